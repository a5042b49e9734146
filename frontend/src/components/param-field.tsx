/** One catalog parameter as a form control, checked as the user types. */
import { memo, useEffect, useId, useRef, useState } from "react";
import { paramRef } from "@/lib/blocks";
import { controlFor, formatParam, parseParam, placeholderFor } from "@/lib/catalog";
import type { ParamSpec, ParamValue } from "@/lib/types";

export interface ParamFieldProps {
  spec: ParamSpec;
  value: ParamValue | undefined;
  /** The server's complaint about this field, if any. */
  serverError?: string;
  onChange(name: string, value: ParamValue | undefined): void;
  /**
   * On a node inside a block, the block's name: the field may read one of its parameters (`$name`, typed
   * or made with `onPromote`) and stop reading it (`onUnbind`).
   */
  block?: string;
  onPromote?(name: string): void;
  onUnbind?(name: string): void;
}

function ParamFieldView({ spec, value, serverError, onChange, block, onPromote, onUnbind }: ParamFieldProps) {
  const id = useId();
  const control = controlFor(spec);
  const [text, setTextState] = useState(() => formatParam(value));
  const textRef = useRef(text);
  const setText = (t: string) => {
    textRef.current = t;
    setTextState(t);
  };
  const [localError, setLocalError] = useState<string | null>(null);

  // Follow outside changes (undo, another node selected) unless the field already shows that value.
  useEffect(() => {
    const parsed = parseParam(spec, textRef.current);
    const shown = parsed.ok ? parsed.value : parsed.value;
    if (JSON.stringify(shown) === JSON.stringify(value) && (parsed.ok || shown !== undefined)) return;
    setText(formatParam(value));
    setLocalError(null);
  }, [value, spec]);

  const commitText = (raw: string) => {
    setText(raw);
    if (block !== undefined && paramRef(raw.trim()) !== null) {
      setLocalError(null); // whether the block declares it is the server's answer
      onChange(spec.name, raw.trim());
      return;
    }
    const res = parseParam(spec, raw);
    setLocalError(res.ok ? null : res.error);
    // Out-of-bounds numbers are committed too: the graph holds what the field shows (the server flags the node).
    if (res.ok || res.value !== undefined) onChange(spec.name, res.value);
  };

  const error = localError ?? serverError ?? null;
  const hint = spec.kind === "int_or_ints" || spec.kind === "ints" || spec.kind === "floats" || spec.kind === "shape" ? tupleHint(spec) : boundsHint(spec);
  const label = (
    <label htmlFor={id} className="field-label">
      {spec.name}
      {spec.required && <span className="required" title="required"> *</span>}
    </label>
  );

  const ref = block !== undefined ? paramRef(value) : null;
  let input: React.ReactNode;
  if (ref !== null) {
    input = (
      <span className="param-ref" title={`Each use of block ${block} sets it`}>
        <code id={id} data-testid={`param-ref-${spec.name}`}>${ref}</code>
        <button type="button" className="link-button" onClick={() => onUnbind?.(spec.name)} title="Give this field its own value again (the parameter's default)" data-testid={`unbind-${spec.name}`}>
          Unbind
        </button>
      </span>
    );
  } else if (control === "checkbox") {
    const checked = value === undefined ? Boolean(spec.default) : Boolean(value);
    input = (
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(spec.name, e.target.checked)}
        data-testid={`param-${spec.name}`}
      />
    );
  } else if (control === "select") {
    input = (
      <select
        id={id}
        value={typeof value === "string" ? value : ""}
        onChange={(e) => commitText(e.target.value)}
        data-testid={`param-${spec.name}`}
      >
        {!spec.required && <option value="">{spec.default != null ? `default (${formatParam(spec.default)})` : "—"}</option>}
        {(spec.choices ?? []).map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        id={id}
        type="text"
        inputMode={control === "number" ? (spec.kind === "int" ? "numeric" : "decimal") : "text"}
        value={text}
        placeholder={placeholderFor(spec)}
        onChange={(e) => commitText(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-help`}
        data-testid={`param-${spec.name}`}
        spellCheck={false}
        autoComplete="off"
      />
    );
  }

  return (
    <div className={`field${error ? " has-error" : ""}${control === "checkbox" ? " field-inline" : ""}`} data-testid={`field-${spec.name}`}>
      {control === "checkbox" && ref === null ? (
        <>
          {input}
          {label}
        </>
      ) : (
        <>
          {label}
          {input}
        </>
      )}
      {block !== undefined && ref === null && onPromote && (
        <button type="button" className="promote-button" onClick={() => onPromote(spec.name)} title={`Make ${spec.name} a parameter of block ${block}: each use sets its own value`} data-testid={`promote-${spec.name}`}>
          ⇡ block parameter
        </button>
      )}
      <div id={`${id}-help`} className="field-help">
        {error ? (
          <span className="field-error" data-testid={`field-error-${spec.name}`}>
            {error}
          </span>
        ) : ref !== null ? (
          <span className="muted">Reads block parameter {ref}: each use of {block} sets it.</span>
        ) : (
          <span className="muted" title={spec.doc}>
            {hint ? `${hint} · ` : ""}
            {spec.doc}
          </span>
        )}
      </div>
    </div>
  );
}

function boundsHint(spec: ParamSpec): string {
  if (spec.kind !== "int" && spec.kind !== "float") return "";
  const above = spec.min_exclusive ? ">" : "≥";
  const below = spec.max_exclusive ? "<" : "≤";
  if (spec.min != null && spec.max != null) return spec.min_exclusive || spec.max_exclusive ? `${above} ${spec.min}, ${below} ${spec.max}` : `${spec.min}…${spec.max}`;
  if (spec.min != null) return `${above} ${spec.min}`;
  if (spec.max != null) return `${below} ${spec.max}`;
  return "";
}

function tupleHint(spec: ParamSpec): string {
  const n = spec.length;
  if (spec.kind === "shape") return "sizes, e.g. 1, 28, 28";
  if (spec.kind === "int_or_ints") return n ? `one value or ${n}, comma-separated` : "one value or a list";
  return n ? `${n} values, comma-separated` : "comma-separated";
}

export const ParamField = memo(ParamFieldView);
