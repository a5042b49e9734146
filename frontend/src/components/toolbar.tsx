/** The builder's toolbar: the architecture's name and the file, edit and view commands. */
import { useRef, useState, type RefObject } from "react";
import { FindBox } from "@/components/find-box";
import { NameDialog } from "@/components/name-dialog";
import { useFitGraph } from "@/hooks/use-fit-graph";
import { DIRECTIONS, type Direction } from "@/lib/layout";
import { builderStore, selectCanRedo, selectCanUndo, selectInitWeights, selectIsDirty, selectSelectionCount, useBuilder } from "@/store/builder-store";
import { useProbe } from "@/store/probe-store";
import { hasPictures, useRunPictures } from "@/store/run-pictures-store";
import { confirmDiscard, duplicateArchitecture, exportJson, exportPython, importGraphFile, newGraph, openArchitecture, save } from "@/store/commands";

export type DialogKind = "open" | "templates" | "help" | "saveAs" | "duplicate" | "train" | "sweep" | "torchvision" | "weights" | "makeBlock" | null;

export interface ToolbarProps {
  onDialog(kind: DialogKind): void;
  /** The Find box's input, which Ctrl+F focuses. */
  findRef?: RefObject<HTMLInputElement | null>;
}

/** "Make block" (Ctrl+G): asks for the block's name; the selected layers become it. */
function MakeBlockButton({ onDialog }: { onDialog(kind: DialogKind): void }) {
  const selected = useBuilder(selectSelectionCount);
  return (
    <button type="button" disabled={selected === 0} onClick={() => onDialog("makeBlock")} title="Make a block of the selected layers (Ctrl+G)" data-testid="make-block-button">
      Make block
    </button>
  );
}

export function Toolbar({ onDialog, findRef }: ToolbarProps) {
  const ownFindRef = useRef<HTMLInputElement>(null);
  const name = useBuilder((s) => s.name);
  const setName = useBuilder((s) => s.setName);
  const dirty = useBuilder(selectIsDirty);
  const architecture = useBuilder((s) => s.architecture);
  const canUndo = useBuilder(selectCanUndo);
  const canRedo = useBuilder(selectCanRedo);
  const undo = useBuilder((s) => s.undo);
  const redo = useBuilder((s) => s.redo);
  const autoLayout = useBuilder((s) => s.autoLayout);
  const layoutDirection = useBuilder((s) => s.layoutDirection);
  const setLayoutDirection = useBuilder((s) => s.setLayoutDirection);
  const fitGraph = useFitGraph();
  const fileInput = useRef<HTMLInputElement>(null);
  const empty = useBuilder((s) => s.nodes.length === 0);
  const [exportOpen, setExportOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const initWeights = useBuilder(selectInitWeights);
  const detachInitWeights = useBuilder((s) => s.detachInitWeights);
  const probing = useProbe((s) => s.on);
  const toggleProbe = useProbe((s) => s.toggle);
  const runPictures = useRunPictures((s) => (hasPictures(s.pictures) ? s.pictures : null));
  const runPicturesOn = useRunPictures((s) => s.on);
  const toggleRunPictures = useRunPictures((s) => s.toggle);

  return (
    <div className="toolbar" role="toolbar" aria-label="Builder">
      <div className="name-box">
        <input
          className="arch-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="Architecture name"
          data-testid="arch-name"
          spellCheck={false}
        />
        <span className={`save-state${dirty ? " dirty" : ""}`} data-testid="save-state" title={dirty ? "Unsaved changes (a draft is kept in this browser)" : "Saved"}>
          {dirty ? "● unsaved" : architecture ? `v${architecture.version}` : ""}
        </span>
      </div>
      <div className="group">
        <button type="button" onClick={() => confirmDiscard("Start a new graph?") && newGraph()} title="New empty graph">
          New
        </button>
        <button type="button" onClick={() => onDialog("open")} data-testid="open-button">
          Open
        </button>
        <button type="button" className={dirty ? "primary" : undefined} onClick={() => void save()} title="Save (Ctrl+S)" data-testid="save-button">
          Save
        </button>
        <button type="button" onClick={() => onDialog("saveAs")} data-testid="save-as-button">
          Save as
        </button>
        <button type="button" disabled={!architecture} onClick={() => onDialog("duplicate")} title="Save a copy under a new name">
          Duplicate
        </button>
        <button type="button" onClick={() => onDialog("templates")} data-testid="templates-button">
          Templates
        </button>
      </div>
      <div className="group">
        <div className="menu">
          <button
            type="button"
            aria-haspopup="menu"
            aria-expanded={importOpen}
            onClick={() => setImportOpen((o) => !o)}
            onBlur={() => setTimeout(() => setImportOpen(false), 150)}
            data-testid="import-menu"
          >
            Import ▾
          </button>
          {importOpen && (
            <div className="menu-list" role="menu">
              <button type="button" role="menuitem" onClick={() => { setImportOpen(false); fileInput.current?.click(); }} title="Open a netbuilder.graph/1 JSON file as a new graph" data-testid="import-graph">
                Import graph file…
              </button>
              <button type="button" role="menuitem" onClick={() => { setImportOpen(false); onDialog("torchvision"); }} title="Start from a torchvision architecture" data-testid="import-torchvision">
                New from torchvision…
              </button>
              <button type="button" role="menuitem" onClick={() => { setImportOpen(false); onDialog("weights"); }} title="Check a .pth or .safetensors file against this graph" data-testid="import-weights">
                Import weights…
              </button>
            </div>
          )}
        </div>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file && confirmDiscard("Import this graph?")) void importGraphFile(file);
          }}
        />
        <div className="menu">
          <button type="button" aria-haspopup="menu" aria-expanded={exportOpen} onClick={() => setExportOpen((o) => !o)} onBlur={() => setTimeout(() => setExportOpen(false), 150)}>
            Export ▾
          </button>
          {exportOpen && (
            <div className="menu-list" role="menu">
              <button type="button" role="menuitem" onClick={exportJson}>
                Graph JSON
              </button>
              <button type="button" role="menuitem" onClick={() => void exportPython()}>
                model.py
              </button>
            </div>
          )}
        </div>
      </div>
      <div className="group">
        <button type="button" className="icon-button" disabled={!canUndo} onClick={undo} title="Undo (Ctrl+Z)" aria-label="Undo" data-testid="undo-button">
          ↶
        </button>
        <button type="button" className="icon-button" disabled={!canRedo} onClick={redo} title="Redo (Ctrl+Shift+Z)" aria-label="Redo" data-testid="redo-button">
          ↷
        </button>
        <MakeBlockButton onDialog={onDialog} />
        <button
          type="button"
          className={probing ? "on" : undefined}
          aria-pressed={probing}
          disabled={empty}
          onClick={() => toggleProbe()}
          title="Probe: run one dataset sample through the graph and show every node's output as you edit"
          data-testid="probe-toggle"
        >
          Probe
        </button>
        {runPictures && (
          <button
            type="button"
            className={`run-pictures-toggle${runPicturesOn && !probing ? " on" : ""}`}
            aria-pressed={runPicturesOn}
            disabled={probing}
            onClick={() => toggleRunPictures()}
            title={probing ? "Probe mode shows this graph's own outputs" : `Show each node's pictures from run #${runPictures.run}, the run this graph was last trained in`}
            data-testid="run-pictures-toggle"
          >
            Last run's pictures
            <span className="run-pictures-label" data-testid="run-pictures-label">
              #{runPictures.run}
              {runPictures.epoch !== null ? ` · epoch ${runPictures.epoch}` : ""}
            </span>
          </button>
        )}
        <button type="button" onClick={autoLayout} title="Auto-layout (L)" data-testid="layout-button">
          Layout
        </button>
        <select
          value={layoutDirection}
          onChange={(e) => void setLayoutDirection(e.target.value as Direction)}
          title="Which way layers follow each other (lays the graph out again)"
          aria-label="Layout direction"
          data-testid="layout-direction"
        >
          {DIRECTIONS.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => fitGraph()} title="Zoom to fit (F)" data-testid="fit-button">
          Fit
        </button>
      </div>
      <FindBox inputRef={findRef ?? ownFindRef} />
      <span className="spacer" />
      {initWeights && (
        <span className="weights-chip" data-testid="init-weights-chip" title={`The next run starts from weights file #${initWeights.id} (${initWeights.tensors} tensors)`}>
          ⚖ Weights: {initWeights.name}
          <button type="button" className="icon-button" onClick={detachInitWeights} aria-label="Don't start from these weights" data-testid="init-weights-remove">
            ×
          </button>
        </span>
      )}
      <button type="button" className="train-button primary" disabled={empty} onClick={() => onDialog("train")} title={empty ? "Add layers first" : "Train this graph on a dataset"} data-testid="train-button">
        ▶ Train
      </button>
      <button type="button" disabled={empty} onClick={() => onDialog("sweep")} title={empty ? "Add layers first" : "Train this graph many times over a grid or a random sample of options"} data-testid="sweep-button">
        Sweep…
      </button>
      <button type="button" className="icon-button" onClick={() => onDialog("help")} title="Shortcuts (?)" aria-label="Help" data-testid="help-button">
        ?
      </button>
    </div>
  );
}

export function SaveAsDialog({ onClose }: { onClose(): void }) {
  const name = useBuilder((s) => s.name);
  return (
    <NameDialog
      title="Save as"
      initial={name}
      action="Save"
      onClose={onClose}
      onSubmit={async (n) => {
        if (await save(n)) onClose();
      }}
    />
  );
}

export function DuplicateDialog({ onClose }: { onClose(): void }) {
  const name = useBuilder((s) => s.name);
  const architecture = useBuilder((s) => s.architecture);
  return (
    <NameDialog
      title="Duplicate architecture"
      initial={`${name} copy`}
      action="Duplicate"
      onClose={onClose}
      onSubmit={async (n) => {
        if (!architecture) return;
        // Duplicate what is on screen: save pending edits first.
        if (selectIsDirty(builderStore.getState()) && !(await save())) return;
        const copy = await duplicateArchitecture(architecture.id, n);
        if (copy) await openArchitecture(copy.id);
        onClose();
      }}
    />
  );
}
