/** Human-readable figures for the summary bar, nodes and edges. */

export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const v = n / size;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${suffix}`;
    }
  }
  return String(n);
}

/** Exact count with thousands separators: 101,770. */
export function formatExact(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatFlops(n: number): string {
  return `${formatCount(n)} FLOPs`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** A tensor shape as the canvas shows it: (1, 3, 32, 32). */
export function formatShape(shape: readonly (number | null)[] | null | undefined): string {
  if (!shape) return "?";
  return `(${shape.map((d) => (d === null ? "?" : String(d))).join(", ")})`;
}
