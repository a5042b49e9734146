/** Node and edge renderers, defined once at module level so React Flow never sees new objects. */
import type { EdgeTypes, NodeTypes } from "@xyflow/react";
import { LayerNodeComponent } from "@/components/layer-node";
import { RunNodeComponent } from "@/components/run-node";
import { ShapeEdgeComponent } from "@/components/shape-edge";

export const nodeTypes: NodeTypes = { layer: LayerNodeComponent };
export const edgeTypes: EdgeTypes = { shape: ShapeEdgeComponent };

/** The run page's read-only graph. */
export const runNodeTypes: NodeTypes = { run: RunNodeComponent };
