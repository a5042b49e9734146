/** The confusion matrix at the end of a classification run: rows are true classes, columns predictions. */
import { memo } from "react";

function ConfusionMatrixView({ matrix, classes }: { matrix: number[][]; classes: string[] }) {
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const total = rowSums.reduce((a, b) => a + b, 0);
  const correct = matrix.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  const names = matrix.map((_, i) => classes[i] ?? String(i));
  return (
    <div className="confusion" data-testid="confusion-matrix" data-total={total}>
      <table>
        <thead>
          <tr>
            <th className="corner">true ↓ / predicted →</th>
            {names.map((n) => (
              <th key={n} title={n}>
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={names[i]}>
              <th title={names[i]}>{names[i]}</th>
              {row.map((v, j) => {
                const share = rowSums[i] ? v / (rowSums[i] as number) : 0;
                const hue = i === j ? "53, 99, 233" : "208, 53, 59";
                return (
                  <td
                    key={j}
                    style={{ background: `rgba(${hue}, ${(share * 0.85).toFixed(3)})`, color: share > 0.55 ? "#fff" : undefined }}
                    title={`${v} of ${rowSums[i]} '${names[i]}' predicted '${names[j]}' (${(share * 100).toFixed(1)}%)`}
                  >
                    {v}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {correct} of {total} validation samples right ({total ? ((correct / total) * 100).toFixed(1) : "0"}%).
      </p>
    </div>
  );
}

export const ConfusionMatrix = memo(ConfusionMatrixView);
