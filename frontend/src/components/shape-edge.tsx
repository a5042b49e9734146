/** An edge labelled with the tensor shape it carries (output `sourcePort` of its source). */
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { formatShape } from "@/lib/format";
import type { ShapeEdge } from "@/lib/graph";
import { edgeShape } from "@/lib/validation";
import { useBuilder } from "@/store/builder-store";

function ShapeEdgeView(props: EdgeProps<ShapeEdge>) {
  const { id, source, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd } = props;
  const sourcePort = data?.sourcePort ?? 0;
  // A string, so the edge re-renders only when its own label changes.
  const label = useBuilder((s) => {
    const shape = edgeShape(s.validation?.value ?? null, source, sourcePort);
    return shape ? formatShape(shape) : "";
  });
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={selected ? "edge-selected" : undefined} />
      {label && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nodrag nopan${selected ? " is-selected" : ""}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid={`edge-label-${id}`}
          >
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ShapeEdgeComponent = memo(ShapeEdgeView);
