/**
 * The run page's store: one watched run, its stream folded into chart buffers, and the connection.
 * A reload or a dropped connection gets the whole history from the snapshot and keeps streaming; a
 * reconnect asks only for what came after the last step kept (`?after=`), and the series drops
 * anything at or below it anyway.
 */
import { useStore } from "zustand";
import { createStore, type StoreApi } from "zustand/vanilla";
import { api, ApiError, wsUrl } from "@/lib/api";
import type { HealthMeasure } from "@/lib/health-scale";
import type { PictureSource } from "@/lib/picture-source";
import { applyMessage, backfill, createRunSeries, resumeStep, settled, type RunSeries } from "@/lib/run-series";
import { CLOSE_UNAUTHENTICATED, loginUrl, openStream, type ConnectionState, type StreamHandle, type StreamOptions } from "@/lib/run-socket";
import { isActive, type RunDetail, type RunStatus, type StreamMessage } from "@/lib/run-types";

export interface RunState {
  runId: number | null;
  run: RunDetail | null;
  status: RunStatus | null;
  device: string;
  connection: ConnectionState;
  /** Mutable chart buffers; `version` says when they changed. */
  series: RunSeries;
  version: number;
  error: string | null;
  stopping: boolean;
  /** The health measure the Network panel colours its nodes by (null: none); kept from run to run. */
  colourBy: HealthMeasure | null;
}

export interface RunActions {
  /** Starts watching `runId` (and stops watching the one before). */
  watch(runId: number): void;
  unwatch(): void;
  /** Folds one stream message in; the socket calls it, tests too. */
  receive(message: StreamMessage): void;
  stop(): Promise<void>;
  /** The websocket URL for the next (re)connect: `?after=` the last step kept, once there is one. */
  streamUrl(): string;
  setColourBy(measure: HealthMeasure | null): void;
}

export type RunStore = RunState & RunActions;

function initialState(): RunState {
  return { runId: null, run: null, status: null, device: "", connection: "closed", series: createRunSeries(), version: 0, error: null, stopping: false, colourBy: null };
}

export interface RunStoreOptions {
  stream?: Pick<StreamOptions, "createSocket" | "backoff">;
  /** How long after a snapshot to ask the stored events for a hole (the server saves about once a second). */
  backfillDelayMs?: number;
}

export const BACKFILL_DELAY_MS = 2500;

export function createRunStore(options: RunStoreOptions = {}): StoreApi<RunStore> {
  return createStore<RunStore>()((set, get) => {
    let handle: StreamHandle | null = null;
    let snapshots = 0;
    let backfillTimer: ReturnType<typeof setTimeout> | null = null;

    /**
     * Messages the server sent just before this watcher joined may not be stored yet, so the snapshot
     * can miss them: once they are, fetch what follows the snapshot and fill the hole.
     */
    const scheduleBackfill = (runId: number, after: number) => {
      if (backfillTimer) clearTimeout(backfillTimer);
      backfillTimer = setTimeout(() => {
        backfillTimer = null;
        api.runEvents(runId, after).then(
          (answer) => {
            const st = get();
            if (st.runId !== runId) return;
            if (backfill(st.series, answer.events)) set({ version: st.series.version });
          },
          () => undefined,
        );
      }, options.backfillDelayMs ?? BACKFILL_DELAY_MS);
    };

    return {
      ...initialState(),

      watch: (runId) => {
        handle?.close();
        if (backfillTimer) clearTimeout(backfillTimer);
        snapshots = 0;
        set({ ...initialState(), colourBy: get().colourBy, runId, connection: "connecting" });
        handle = openStream<StreamMessage>(() => get().streamUrl(), {
          onMessage: (m) => get().receive(m),
          onState: (connection) => {
            if (get().runId === runId) set({ connection });
          },
          onRefused: (code) => {
            if (code === CLOSE_UNAUTHENTICATED) window.location.assign(loginUrl(window.location.pathname));
            else set({ error: `Run ${runId} was not found.` });
          },
        }, {
          ...options.stream,
          done: () => settled(get().series),
        });
      },

      unwatch: () => {
        handle?.close();
        if (backfillTimer) clearTimeout(backfillTimer);
        handle = null;
        set({ ...initialState(), colourBy: get().colourBy });
      },

      streamUrl: () => {
        const s = get();
        // The first connection gets everything; a reconnect only what follows the last step kept.
        const after = snapshots > 0 ? resumeStep(s.series) : 0;
        return wsUrl(`/ws/runs/${s.runId}/${after > 0 ? `?after=${after}` : ""}`);
      },

      receive: (message) => {
        const s = get();
        const endedBefore = s.series.final !== null;
        const settledBefore = settled(s.series);
        const changed = applyMessage(s.series, message);
        const patch: Partial<RunState> = {};
        const ended = s.series.final !== null;
        if (message.type === "snapshot") {
          snapshots++;
          const run = message.data.run;
          patch.run = run;
          patch.device = run.device;
          if (!ended) {
            patch.status = run.status;
            if (isActive(run.status) && s.runId !== null) scheduleBackfill(s.runId, s.series.lastStep);
          }
        } else if (message.type === "status") {
          // A status can trail the final message; the final word stays final.
          if (!ended || !isActive(message.data.status)) patch.status = message.data.status;
          if (message.data.device) patch.device = message.data.device;
          // The elapsed clock ticks from started_at, which a run opened while queued only learns here.
          if (s.run && message.data.started_at !== undefined) {
            patch.run = { ...s.run, started_at: message.data.started_at, finished_at: message.data.finished_at ?? s.run.finished_at };
          }
        }
        // The final message came now, live or inside a snapshot.
        if (!endedBefore && s.series.final) {
          const final = s.series.final;
          const run = patch.run ?? s.run;
          patch.status = final.status;
          patch.stopping = false;
          if (run) patch.run = { ...run, status: final.status, files: final.files, final_metrics: final.metrics, onnx_error: final.onnx_error ?? run.onnx_error };
        } else if (!settledBefore && s.series.final && settled(s.series)) {
          // The files still pending at the end (ONNX) are written.
          const final = s.series.final;
          const run = patch.run ?? s.run;
          if (run) patch.run = { ...run, files: final.files, onnx_error: final.onnx_error ?? run.onnx_error };
        }
        if (!settledBefore && settled(s.series)) {
          // The stream is over; the socket has nothing more to say.
          handle?.close();
          handle = null;
          patch.connection = "closed";
          // Duration and the rest of the summary come from the server.
          const id = s.runId;
          if (id !== null) {
            api.run(id).then(
              (run) => {
                if (get().runId === id) set({ run });
              },
              () => undefined,
            );
          }
        }
        if (changed || Object.keys(patch).length) set({ ...patch, version: s.series.version });
      },

      setColourBy: (colourBy) => set({ colourBy }),

      stop: async () => {
        const id = get().runId;
        if (id === null) return;
        set({ stopping: true, error: null });
        try {
          const run = await api.stopRun(id);
          if (get().runId === id && !get().series.final) set({ run: { ...(get().run ?? run), stop_requested: true } });
        } catch (e) {
          const msg = e instanceof ApiError ? e.message : String(e);
          set({ stopping: false, error: `Could not stop: ${msg}` });
        }
      },
    };
  });
}

export const runStore = createRunStore();

/** The watched run's latest pictures, node by node, for the Network panel's nodes. */
export function runPictureSource(store: StoreApi<RunStore>): PictureSource {
  return {
    units: (id) => store.getState().series.latest.units?.value[id],
    featureMaps: (id) => store.getState().series.latest.featureMaps?.value.nodes[id],
    subscribe: (listener) => store.subscribe(listener),
  };
}

export const runPictures = runPictureSource(runStore);

export function useRun<T>(selector: (s: RunStore) => T): T {
  return useStore(runStore, selector);
}
