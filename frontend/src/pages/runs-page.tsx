/** Placeholder for the training runs pages; the runs issue replaces this file. */
export function RunsPage({ runId }: { runId?: number }) {
  return (
    <main className="placeholder-page" data-testid="runs-page">
      <h1>Runs</h1>
      <p className="muted">{runId ? `Run ${runId}` : "Training runs will be listed here."}</p>
    </main>
  );
}
