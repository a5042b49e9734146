/**
 * The run's graph, read-only, seeing inside while it learns: each node's units as small heatmaps over
 * the data (2-D data), its first feature maps (images), its alerts, and its colour on a chosen health
 * measure. Pannable and zoomable; nothing can be moved, connected or deleted.
 */
import { Background, BackgroundVariant, Controls, ReactFlow, ReactFlowProvider, useNodesState, useReactFlow } from "@xyflow/react";
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { runNodeTypes } from "@/components/flow-types";
import { api } from "@/lib/api";
import { formatHealth, HEALTH_MEASURES, healthGradient, healthScale, type HealthMeasure } from "@/lib/health-scale";
import { layoutPositions } from "@/lib/layout";
import { overlapping, runFlowGraph, type RunFlowNode } from "@/lib/run-graph";
import type { Catalog, GraphDoc } from "@/lib/types";
import { runStore, useRun } from "@/store/run-store";

const PRO_OPTIONS = { hideAttribution: true };
const FIT = { padding: 0.12, maxZoom: 1.2 };
const EMPTY_EDGES: never[] = [];
// A graph whose pictures keep growing its nodes is laid out again at most this many times.
const MAX_RELAYOUTS = 2;

let catalog: Promise<Catalog> | null = null;

/** The layer catalog, asked for once per page (its categories colour the nodes). */
function layerCatalog(): Promise<Catalog> {
  catalog ??= api.layers().catch((e: unknown) => {
    catalog = null;
    throw e;
  });
  return catalog;
}

function HealthLegend({ measure }: { measure: HealthMeasure }) {
  const health = useRun((s) => s.series.latest.health?.value);
  if (!health) return <span className="muted health-legend">no health measured yet</span>;
  const scale = healthScale(health, measure);
  return (
    <span className="health-legend" data-testid="run-colour-legend">
      <span>{formatHealth(measure, scale.lo)}</span>
      <span className="health-legend-bar" style={{ background: healthGradient() }} />
      <span>{formatHealth(measure, scale.hi)}</span>
      {scale.log && <span className="muted">log scale</span>}
    </span>
  );
}

function ColourBy() {
  const measure = useRun((s) => s.colourBy);
  return (
    <>
      <label className="colour-by">
        Colour nodes by{" "}
        <select
          value={measure ?? ""}
          onChange={(e) => runStore.getState().setColourBy((e.target.value || null) as HealthMeasure | null)}
          data-testid="run-colour-by"
        >
          <option value="">none</option>
          {HEALTH_MEASURES.map((m) => (
            <option key={m.measure} value={m.measure}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      {measure && <HealthLegend measure={measure} />}
    </>
  );
}

function PicturesNote() {
  const units = useRun((s) => s.series.latest.units?.epoch ?? null);
  const maps = useRun((s) => s.series.latest.featureMaps?.epoch ?? null);
  const ended = useRun((s) => s.series.final !== null);
  const epoch = units ?? maps;
  if (epoch !== null) {
    return (
      <span className="muted hint" data-testid="run-network-epoch">
        {units !== null ? "each unit over the data's square · hover one to enlarge" : "the first channels on a fixed sample"} · after epoch {epoch}
      </span>
    );
  }
  return <span className="muted hint">{ended ? "No pictures: units are drawn for 2-D data, feature maps for images." : "The pictures appear after the first epoch."}</span>;
}

function RunFlow({ graph }: { graph: GraphDoc }) {
  const loaded = useMemo(() => {
    try {
      return runFlowGraph(graph);
    } catch {
      return null;
    }
  }, [graph]);
  const [nodes, setNodes, onNodesChange] = useNodesState<RunFlowNode>(loaded?.nodes ?? []);
  const [ready, setReady] = useState(!loaded?.needsLayout);
  const flow = useReactFlow<RunFlowNode>();
  const box = useRef<HTMLDivElement>(null);
  const relayouts = useRef(0);
  const laying = useRef(false);
  // For the page's readers (and tests): a layout is on its way (ELK's worker can take seconds to start).
  const [layingOut, setLayingOut] = useState(false);
  const hasPictures = useRun((s) => s.series.latest.units !== null || s.series.latest.featureMaps !== null);

  // Bumped when the view should fit the graph again; fitted once the moved nodes are drawn.
  const [fitRequest, setFitRequest] = useState(0);
  const fit = useCallback(() => setFitRequest((n) => n + 1), []);
  useEffect(() => {
    if (fitRequest) requestAnimationFrame(() => void flow.fitView(FIT));
  }, [fitRequest, flow]);

  const layOut = useCallback(
    async (sizes: Map<string, { width?: number; height?: number }>) => {
      if (!loaded || laying.current) return;
      laying.current = true;
      setLayingOut(true);
      try {
        const el = box.current;
        const screen = el ? { width: el.clientWidth, height: el.clientHeight } : undefined;
        const positions = await layoutPositions(
          { nodes: loaded.nodes.map((n) => ({ id: n.id, ...sizes.get(n.id) })), edges: loaded.edges },
          screen && screen.width > 0 ? { screen } : {},
        );
        setNodes((ns) => ns.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })));
      } catch {
        // Keep the positions there are: overlapping nodes beat no graph.
      } finally {
        laying.current = false;
        setLayingOut(false);
        setReady(true);
        fit();
      }
    },
    [loaded, setNodes, fit],
  );

  useEffect(() => {
    if (loaded?.needsLayout) void layOut(new Map());
  }, [loaded, layOut]);

  useEffect(() => {
    let live = true;
    layerCatalog().then(
      (c) => {
        if (!live) return;
        const category = new Map(c.layers.map((l) => [l.type, l.category]));
        setNodes((ns) => ns.map((n) => ({ ...n, data: { ...n.data, category: category.get(n.data.layerType) } })));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [setNodes]);

  useEffect(() => {
    if (hasPictures) fit();
  }, [hasPictures, fit]);

  // Pictures make nodes taller than the builder drew them: once drawn overlapping, lay them out by their real sizes.
  useEffect(() => {
    if (relayouts.current >= MAX_RELAYOUTS || laying.current || !overlapping(nodes)) return;
    relayouts.current++;
    void layOut(new Map(nodes.map((n) => [n.id, n.measured ?? {}])));
  }, [nodes, layOut]);

  if (!loaded) return <p className="muted pad">This run's graph cannot be drawn.</p>;
  return (
    <div className={`run-network${ready ? "" : " is-laying-out"}`} ref={box} data-testid="run-network" data-nodes={nodes.length} data-laying-out={layingOut ? "true" : "false"}>
      <ReactFlow<RunFlowNode>
        nodes={nodes}
        edges={loaded.edges.length ? loaded.edges : EMPTY_EDGES}
        nodeTypes={runNodeTypes}
        onNodesChange={onNodesChange}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        deleteKeyCode={null}
        selectionKeyCode={null}
        zoomOnScroll={false}
        preventScrolling={false}
        zoomOnDoubleClick
        minZoom={0.2}
        maxZoom={2}
        fitView
        fitViewOptions={FIT}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <Controls position="bottom-left" showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

function RunNetworkView({ graph }: { graph: GraphDoc }) {
  return (
    <>
      <div className="panel-head">
        <h2>Network</h2>
        <ColourBy />
        <PicturesNote />
      </div>
      <ReactFlowProvider>
        <RunFlow graph={graph} />
      </ReactFlowProvider>
    </>
  );
}

export const RunNetwork = memo(RunNetworkView);
