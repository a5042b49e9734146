export function NotFoundPage() {
  return (
    <main className="placeholder-page">
      <h1>Page not found</h1>
      <p>
        <a href="/">Back to the builder</a>
      </p>
    </main>
  );
}
