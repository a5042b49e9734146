/** The editing surface: React Flow wired to the store, drops from the palette, quick-add at the cursor. */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type FinalConnectionState,
  type IsValidConnection,
  type OnConnect,
  type OnConnectEnd,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent } from "react";
import { edgeTypes, nodeTypes } from "@/components/flow-types";
import { useFitGraph } from "@/hooks/use-fit-graph";
import type { BuilderNode, ShapeEdge } from "@/lib/graph";
import { withInitialHandles } from "@/lib/initial-handles";
import { graphBounds, LAYOUT_SCREEN } from "@/lib/layout";
import { zoomBucket, zoomFloor } from "@/lib/zoom";
import type { Position } from "@/lib/types";
import { builderStore, useBuilder } from "@/store/builder-store";
import { addFromPalette, openBlockOf } from "@/store/commands";

export const LAYER_MIME = "application/x-netbuilder-layer";

const PRO_OPTIONS = { hideAttribution: true };
const DEFAULT_EDGE_OPTIONS = { type: "shape" };
const MINIMAP_SIZE = { width: 220, height: 160 };
const NO_NODES: BuilderNode[] = [];
const NO_EDGES: ShapeEdge[] = [];

const CATEGORY_COLORS: Record<string, string> = {
  "Input/Output": "#6b7382",
  Core: "#3563e9",
  Convolution: "#0f8b8d",
  Pooling: "#2a9d8f",
  Normalization: "#8e6bd8",
  Recurrent: "#c2410c",
  Attention: "#be185d",
  Activation: "#ca8a04",
  Merge: "#4d7c0f",
  Shape: "#64748b",
  Pretrained: "#7c3aed",
  Blocks: "#0e7490",
};

function minimapColor(node: BuilderNode): string {
  const s = builderStore.getState();
  if (s.errors.byNode[node.id]) return "#d0353b";
  const category = s.layers.get(node.data.layerType)?.category;
  return (category && CATEGORY_COLORS[category]) || "#cbd1da";
}

export interface CanvasProps {
  /** Opens the quick-add box at a screen point, adding at the matching flow position. */
  onQuickAdd(screen: Position, flow: Position): void;
  /** Keeps the last pointer position, for paste and keyboard quick-add. */
  pointer: React.MutableRefObject<{ screen: Position; flow: Position } | null>;
  /** A node to centre the view on (a failed run's node), once it is loaded. */
  focus?: string | null;
}

export function Canvas({ onQuickAdd, pointer, focus = null }: CanvasProps) {
  const nodes = useBuilder((s) => s.nodes);
  const edges = useBuilder((s) => s.edges);
  const onNodesChange = useBuilder((s) => s.onNodesChange);
  const onEdgesChange = useBuilder((s) => s.onEdgesChange);
  const connect = useBuilder((s) => s.connect);
  const fitRequest = useBuilder((s) => s.fitRequest);
  const layingOut = useBuilder((s) => s.layingOut);
  const direction = useBuilder((s) => s.layoutDirection);
  // Low enough for Fit to show the whole graph; one number, so moves that keep it redraw nothing.
  const minZoom = useBuilder((s) => zoomFloor(graphBounds(s.nodes), s.pane ?? LAYOUT_SCREEN));
  // One subscription for every node: CSS keyed to data-zoom decides what a node shows.
  const zoom = useStore((s) => zoomBucket(s.transform[2]));
  // A graph loaded without positions stays hidden until its layout lands: React Flow gets none of
  // it until then, so that opening a big graph is not one long task of nodes nobody sees yet. Held
  // back one render more, until the fit after the layout has moved the view: the nodes are then
  // drawn once, where they will be seen, not first around the origin and again after the fit.
  const loading = useBuilder((s) => s.layingOut && s.nodes.length > 0 && s.nodes.every((n) => n.measured === undefined));
  const [held, setHeld] = useState(false);
  if (loading && !held) setHeld(true);
  const unplaced = loading || held;
  const flowNodes = useMemo(() => (unplaced ? NO_NODES : withInitialHandles(nodes, edges, direction)), [unplaced, nodes, edges, direction]);
  const flowEdges = unplaced ? NO_EDGES : edges;
  const flow = useReactFlow<BuilderNode, ShapeEdge>();
  const wrapper = useRef<HTMLDivElement>(null);

  const fitGraph = useFitGraph();
  useEffect(() => {
    if (fitRequest > 0) fitGraph({ readable: true });
  }, [fitRequest, fitGraph]);
  useEffect(() => {
    if (!loading) setHeld(false); // after the fit above: effects run in order
  }, [loading, fitRequest]);
  useEffect(() => {
    if (focus) fitGraph({ node: focus });
  }, [focus, fitGraph]);

  const onConnect: OnConnect = useCallback((c) => void connect(c), [connect]);

  const isValidConnection: IsValidConnection<ShapeEdge> = useCallback(
    (c) => builderStore.getState().checkConnection(c).ok,
    [],
  );

  // A refused drop on a real port says why (isValidConnection alone would fail silently).
  const onConnectEnd: OnConnectEnd = useCallback((_event, state: FinalConnectionState) => {
    if (state.isValid || !state.toHandle || !state.fromHandle) return;
    const from = state.fromHandle;
    const to = state.toHandle;
    const [src, dst] = from.type === "source" ? [from, to] : [to, from];
    const check = builderStore.getState().checkConnection({
      source: src.nodeId,
      sourceHandle: src.id ?? null,
      target: dst.nodeId,
      targetHandle: dst.id ?? null,
    });
    if (!check.ok) builderStore.getState().toast(check.reason, "error");
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(LAYER_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(LAYER_MIME);
      if (!type) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addFromPalette(type, { x: p.x - 100, y: p.y - 30 });
    },
    [flow],
  );

  const onPointerMove = useCallback(
    (e: MouseEvent) => {
      const screen = { x: e.clientX, y: e.clientY };
      pointer.current = { screen, flow: flow.screenToFlowPosition(screen) };
    },
    [flow, pointer],
  );

  const onDoubleClick = useCallback(
    (e: MouseEvent) => {
      const target = e.target as HTMLElement;
      if (!target.classList.contains("react-flow__pane")) return;
      const screen = { x: e.clientX, y: e.clientY };
      onQuickAdd(screen, flow.screenToFlowPosition(screen));
    },
    [flow, onQuickAdd],
  );

  return (
    <div
      className={`canvas${layingOut ? " is-laying-out" : ""}`}
      ref={wrapper}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onMouseMove={onPointerMove}
      data-testid="canvas"
      data-laying-out={layingOut ? "true" : "false"}
      data-zoom={zoom}
      data-direction={direction}
    >
      <ReactFlow<BuilderNode, ShapeEdge>
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onDoubleClick={onDoubleClick}
        onNodeDoubleClick={openBlockOf}
        zoomOnDoubleClick={false}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Meta", "Control"]}
        minZoom={minZoom}
        maxZoom={2}
        onlyRenderVisibleElements
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Controls position="bottom-left" showInteractive={false} />
        <MiniMap
          position="bottom-right"
          pannable
          zoomable
          nodeColor={minimapColor}
          nodeStrokeColor={minimapColor}
          nodeStrokeWidth={8}
          nodeBorderRadius={4}
          maskColor="rgba(30, 41, 59, 0.12)"
          maskStrokeColor="#3563e9"
          maskStrokeWidth={2}
          style={MINIMAP_SIZE}
          className="minimap"
        />
      </ReactFlow>
      {layingOut && (
        <div className="layout-note" role="status">
          Laying out…
        </div>
      )}
    </div>
  );
}
