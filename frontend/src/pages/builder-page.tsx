/** The builder: palette, canvas, inspector, toolbar and summary, and the wiring between them. */
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { Canvas } from "@/components/canvas";
import { BlockBreadcrumb } from "@/components/block-breadcrumb";
import { HelpOverlay } from "@/components/help-overlay";
import { NameDialog } from "@/components/name-dialog";
import { Inspector } from "@/components/inspector";
import { OpenDialog } from "@/components/open-dialog";
import { Palette } from "@/components/palette";
import { ProbeBar } from "@/components/probe-bar";
import { QuickAdd } from "@/components/quick-add";
import { SummaryBar } from "@/components/summary-bar";
import { SweepDialog } from "@/components/sweep-dialog";
import { TemplatesDialog } from "@/components/templates-dialog";
import { Toasts } from "@/components/toasts";
import { DuplicateDialog, SaveAsDialog, Toolbar, type DialogKind } from "@/components/toolbar";
import { TorchvisionDialog } from "@/components/torchvision-dialog";
import { TrainDialog } from "@/components/train-dialog";
import { WeightsDialog } from "@/components/weights-dialog";
import { useDraftKeeper } from "@/hooks/use-draft-keeper";
import { useFitGraph } from "@/hooks/use-fit-graph";
import { useLastRunPictures } from "@/hooks/use-last-run-pictures";
import { useLiveValidation } from "@/hooks/use-live-validation";
import { useProbeUpdates } from "@/hooks/use-probe";
import { useShortcuts } from "@/hooks/use-shortcuts";
import { api } from "@/lib/api";
import { nextBlockName } from "@/lib/blocks";
import { draftIsNews, readDraft } from "@/lib/draft";
import { fromGraphDoc } from "@/lib/graph";
import { TORCHVISION_TYPE } from "@/lib/pretrained";
import { nodeInUrl } from "@/lib/run-failure";
import type { Position } from "@/lib/types";
import { builderStore, selectSelectedNodeId, selectSelectionCount, useBuilder } from "@/store/builder-store";
import { addFromPalette, architectureInUrl, expandNode, makeBlock, openArchitecture, rememberLatestRun, save } from "@/store/commands";
import { useProbe } from "@/store/probe-store";

export function BuilderPage() {
  return (
    <ReactFlowProvider>
      <Builder />
    </ReactFlowProvider>
  );
}

/** The node `?node=` asks to show (a failed run's "Show in the builder"), taken out of the URL so a reload does not ask again. */
function takeNodeFromUrl(): string | null {
  const node = nodeInUrl(window.location.search);
  if (node) {
    const rest = new URLSearchParams(window.location.search);
    rest.delete("node");
    const query = rest.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
  }
  return node;
}

/**
 * Loads the catalog, then the draft left in this browser or the architecture named in the URL.
 * Answers the node to bring into view once it is loaded and selected, if the URL named one.
 */
function useInitialLoad(): { error: string | null; focus: string | null } {
  const [error, setError] = useState<string | null>(null);
  const [focus, setFocus] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const store = builderStore.getState();
    api.layers().then(store.setCatalog, (e: unknown) => setError(`Could not load the layer catalog: ${e instanceof Error ? e.message : e}`));
    const draft = readDraft();
    const fromUrl = architectureInUrl();
    const node = takeNodeFromUrl();
    if (draft) {
      try {
        const loaded = fromGraphDoc(draft.graph);
        const architecture = draft.architectureId !== null && draft.architectureVersion !== null ? { id: draft.architectureId, version: draft.architectureVersion } : null;
        // In a task of its own, after the page's first one: drawing a big draft (React Flow's lookups of
        // a thousand nodes) and mounting the page together made one task of over 200 ms.
        setTimeout(() => {
          void store.loadGraph(loaded, { architecture, dirty: true, lastRunId: draft.runId ?? null }).then(() => {
            if (!node) return;
            const s = builderStore.getState();
            if (!s.nodes.some((n) => n.id === node)) {
              s.toast(`There is no node ${node} in this graph.`, "error");
              return;
            }
            s.selectOnly(node);
            setFocus(node);
          });
        }, 0);
        if (!draft.runId && architecture) void rememberLatestRun(architecture.id);
        if (draftIsNews(draft)) store.toast("Restored your unsaved draft from this browser.", "info");
        return;
      } catch {
        // A draft from an older format: fall through to the saved architecture.
      }
    }
    if (fromUrl !== null) void openArchitecture(fromUrl);
  }, []);
  return { error, focus };
}

type QuickAddAt = { screen: Position; flow: Position } | null;

function Builder() {
  const { error: loadError, focus } = useInitialLoad();
  useLiveValidation();
  useProbeUpdates();
  useDraftKeeper();
  useLastRunPictures();
  const probing = useProbe((s) => s.on);
  const flow = useReactFlow();
  const fitGraph = useFitGraph();
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [quickAdd, setQuickAdd] = useState<QuickAddAt>(null);
  const pointer = useRef<{ screen: Position; flow: Position } | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const findRef = useRef<HTMLInputElement>(null);
  const canvasBox = useRef<HTMLDivElement>(null);
  const empty = useBuilder((s) => s.nodes.length === 0);
  const addNode = useBuilder((s) => s.addNode);

  useEffect(() => {
    const el = canvasBox.current;
    if (!el) return;
    const report = () => builderStore.getState().setPane({ width: Math.round(el.clientWidth), height: Math.round(el.clientHeight) });
    report();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(report);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const viewCenter = useCallback((): { screen: Position; flow: Position } => {
    const r = canvasBox.current?.getBoundingClientRect();
    const screen = r ? { x: r.left + r.width / 2, y: r.top + r.height / 2 } : { x: window.innerWidth / 2, y: window.innerHeight / 2 };
    return { screen, flow: flow.screenToFlowPosition(screen) };
  }, [flow]);

  const addAtCenter = useCallback(
    (type: string) => {
      const { flow: p } = viewCenter();
      // Nudge each new node so repeated adds don't stack exactly on top of each other.
      const n = builderStore.getState().nodes.length % 6;
      addFromPalette(type, { x: p.x - 100 + n * 24, y: p.y - 40 + n * 24 });
    },
    [viewCenter],
  );

  const closeDialog = useCallback(() => setDialog(null), []);

  useShortcuts(
    {
      undo: () => builderStore.getState().undo(),
      redo: () => builderStore.getState().redo(),
      copy: () => {
        const n = builderStore.getState().copy();
        if (n) builderStore.getState().toast(`Copied ${n} layer${n === 1 ? "" : "s"}`);
      },
      cut: () => void builderStore.getState().cut(),
      paste: () => void builderStore.getState().paste(pointer.current?.flow),
      duplicate: () => {
        const s = builderStore.getState();
        if (s.copy()) s.paste();
      },
      delete: () => builderStore.getState().deleteSelected(),
      selectAll: () => builderStore.getState().selectAll(),
      save: () => void save(),
      quickAdd: () => setQuickAdd(pointer.current ?? viewCenter()),
      layout: () => builderStore.getState().autoLayout(),
      fit: () => fitGraph(),
      search: () => searchRef.current?.focus(),
      find: () => {
        findRef.current?.focus();
        findRef.current?.select();
      },
      help: () => setDialog("help"),
      expand: () => {
        const s = builderStore.getState();
        const id = selectSelectedNodeId(s);
        const node = id ? s.nodes.find((n) => n.id === id) : undefined;
        if (node && node.data.layerType === TORCHVISION_TYPE) void expandNode(node.id);
        else s.toast("Select a TorchvisionModel node to expand it.");
      },
      escape: () => {
        setQuickAdd(null);
        const s = builderStore.getState();
        // Nothing selected inside a block: Escape goes back up the breadcrumb.
        if (s.blockPath.length && selectSelectionCount(s) === 0) s.closeBlock();
        else s.selectOnly("");
      },
      makeBlock: () => {
        if (selectSelectionCount(builderStore.getState()) > 0) setDialog("makeBlock");
        else builderStore.getState().toast("Select the layers to make a block of (Ctrl+G).");
      },
    },
    dialog === null,
  );

  return (
    <div className="builder">
      <Toolbar onDialog={setDialog} findRef={findRef} />
      <div className="workspace">
        <Palette onAdd={addAtCenter} searchRef={searchRef} />
        <div className={`canvas-box${probing ? " probing" : ""}`} ref={canvasBox}>
          {probing && <ProbeBar />}
          <BlockBreadcrumb />
          <Canvas onQuickAdd={(screen, p) => setQuickAdd({ screen, flow: p })} pointer={pointer} focus={focus} />
          {empty && (
            <div className="empty-hint" data-testid="empty-hint">
              <p>
                <b>Drag a layer</b> from the palette, <b>double-click</b> the canvas to add one,
              </p>
              <p>
                or{" "}
                <button type="button" className="link" onClick={() => setDialog("templates")}>
                  start from a template
                </button>
                .
              </p>
            </div>
          )}
          {loadError && <div className="load-error">{loadError}</div>}
        </div>
        <Inspector />
      </div>
      <SummaryBar />
      {quickAdd && (
        <QuickAdd
          screen={quickAdd.screen}
          onClose={() => setQuickAdd(null)}
          onPick={(type) => {
            addNode(type, { x: quickAdd.flow.x - 100, y: quickAdd.flow.y - 30 });
            setQuickAdd(null);
          }}
        />
      )}
      {dialog === "help" && <HelpOverlay onClose={closeDialog} />}
      {dialog === "makeBlock" && (
        <NameDialog
          title="Make block"
          initial={nextBlockName(Object.keys(builderStore.getState().blocks))}
          action="Make block"
          onSubmit={(name) => {
            closeDialog();
            void makeBlock(name);
          }}
          onClose={closeDialog}
        />
      )}
      {dialog === "open" && <OpenDialog onClose={closeDialog} />}
      {dialog === "templates" && <TemplatesDialog onClose={closeDialog} />}
      {dialog === "saveAs" && <SaveAsDialog onClose={closeDialog} />}
      {dialog === "duplicate" && <DuplicateDialog onClose={closeDialog} />}
      {dialog === "train" && <TrainDialog onClose={closeDialog} />}
      {dialog === "sweep" && <SweepDialog fromCanvas onClose={closeDialog} />}
      {dialog === "torchvision" && <TorchvisionDialog onClose={closeDialog} />}
      {dialog === "weights" && <WeightsDialog onClose={closeDialog} />}
      <Toasts />
    </div>
  );
}
