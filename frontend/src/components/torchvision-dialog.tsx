/** "New from torchvision…": pick an architecture and a number of classes; it loads as a new unsaved graph. */
import { useState } from "react";
import { Modal } from "@/components/modal";
import { useTorchvisionArchs } from "@/hooks/use-torchvision-archs";
import { formatExact } from "@/lib/format";
import { paramsWithClasses } from "@/lib/pretrained";
import type { TorchvisionArch } from "@/lib/types";
import { confirmDiscard, newFromTorchvision } from "@/store/commands";

type Form = "layers" | "node";

/** Reads an optional whole number within bounds: undefined when blank, null when not acceptable. */
function parseWhole(text: string, min: number, max: number): number | undefined | null {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

export function TorchvisionDialog({ onClose }: { onClose(): void }) {
  const { archs, error } = useTorchvisionArchs();
  const [picked, setPicked] = useState("resnet18");
  const [classesText, setClassesText] = useState("");
  const [sizeText, setSizeText] = useState("224");
  const [form, setForm] = useState<Form>("layers");
  const [pretrained, setPretrained] = useState(false);
  const [busy, setBusy] = useState(false);

  const arch: TorchvisionArch | undefined = archs?.find((a) => a.arch === picked);
  const numClasses = parseWhole(classesText, 1, 1 << 20);
  const fixedSize = arch?.input.fixed_size ?? null;
  const imageSize = fixedSize ?? parseWhole(sizeText, arch?.input.min_size ?? 32, 1024);
  // Architectures that don't expand can still be used as one node.
  const asNode = form === "node" || (arch !== undefined && !arch.expandable);
  const problems: string[] = [];
  if (numClasses === null) problems.push("Classes: a whole number from 1, or blank for ImageNet's 1000.");
  if (imageSize === null) problems.push(`Image size: a whole number from ${arch?.input.min_size ?? 32} to 1024.`);

  const create = async () => {
    if (!arch || numClasses === null || imageSize === null || problems.length) return;
    if (!confirmDiscard(`Load ${arch.arch}?`)) return;
    setBusy(true);
    const ok = await newFromTorchvision(
      { arch: arch.arch, numClasses: numClasses ?? null, imageSize: imageSize ?? 224, pretrained: asNode && pretrained && arch.weights.available },
      asNode,
    );
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Modal title="New from torchvision" onClose={onClose} wide testId="torchvision-dialog">
      {error && <p className="field-error">{error}</p>}
      {!archs && !error && <p className="muted">Loading…</p>}
      {archs && (
        <table className="arch-table tv-table">
          <thead>
            <tr>
              <th>Architecture</th>
              <th className="num">Parameters</th>
              <th className="num">GFLOPs</th>
              <th>Pretrained weights</th>
              <th>Layers</th>
            </tr>
          </thead>
          <tbody>
            {archs.map((a) => (
              <tr key={a.arch} className={a.arch === picked ? "current" : undefined} onClick={() => setPicked(a.arch)} data-testid={`tv-row-${a.arch}`}>
                <td>
                  <label className="tv-pick">
                    <input type="radio" name="tv-arch" checked={a.arch === picked} onChange={() => setPicked(a.arch)} data-testid={`tv-pick-${a.arch}`} />
                    <b>{a.arch}</b>
                  </label>
                </td>
                <td className="num" data-testid={`tv-params-${a.arch}`}>
                  {formatExact(a.params)}
                </td>
                <td className="num">{a.gflops.toFixed(2)}</td>
                <td title={a.weights.path} data-testid={`tv-weights-${a.arch}`}>
                  {a.weights.available ? <span className="good">✓ present</span> : <span className="muted">not in the weights folder</span>}
                </td>
                <td title={a.expand_problem ?? "Loads as editable layers"}>{a.expandable ? "✓ editable" : <span className="muted">one node only</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {arch && (
        <form
          className="tv-form"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <div className="tv-fields">
            <div className="field">
              <label className="field-label" htmlFor="tv-classes">
                Classes
              </label>
              <input id="tv-classes" value={classesText} placeholder="1000 (ImageNet head)" inputMode="numeric" onChange={(e) => setClassesText(e.target.value)} data-testid="tv-num-classes" />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="tv-size">
                Image size
              </label>
              <input
                id="tv-size"
                value={fixedSize !== null ? String(fixedSize) : sizeText}
                disabled={fixedSize !== null}
                inputMode="numeric"
                onChange={(e) => setSizeText(e.target.value)}
                data-testid="tv-image-size"
              />
            </div>
            <fieldset className="tv-as">
              <label>
                <input type="radio" name="tv-form" checked={!asNode} disabled={!arch.expandable} onChange={() => setForm("layers")} data-testid="tv-form-layers" /> Editable layers
              </label>
              <label>
                <input type="radio" name="tv-form" checked={asNode} onChange={() => setForm("node")} data-testid="tv-form-node" /> One TorchvisionModel node
              </label>
              {asNode && (
                <label title={arch.weights.available ? arch.weights.path : `Place ${arch.weights.file} in the weights folder to use it`}>
                  <input type="checkbox" checked={pretrained && arch.weights.available} disabled={!arch.weights.available} onChange={(e) => setPretrained(e.target.checked)} data-testid="tv-pretrained" />{" "}
                  Start from the pretrained weights
                </label>
              )}
            </fieldset>
          </div>
          <p className="muted" data-testid="tv-summary">
            {arch.arch}: {numClasses ? formatExact(paramsWithClasses(arch, numClasses)) : formatExact(arch.params)} parameters
            {numClasses ? ` with a new ${numClasses}-class head` : " with the ImageNet head"}
            {asNode ? ", as one node." : `, as editable layers (weights random: use Import weights… to load ${arch.weights.file}).`}
            {!arch.expandable && arch.expand_problem ? ` It can't be split into layers: ${arch.expand_problem}` : ""}
          </p>
          {problems.map((p) => (
            <p key={p} className="field-error">
              {p}
            </p>
          ))}
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy || problems.length > 0} data-testid="tv-create">
              {busy ? "Loading…" : "Create"}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
