/**
 * Validates the graph on the server after every edit (debounced). Each request carries the store's
 * revision; the store keeps an answer only if it is newer than the one on screen.
 */
import { useEffect } from "react";
import { api, ApiError } from "@/lib/api";
import { builderStore } from "@/store/builder-store";
import { currentGraph } from "@/store/commands";

export const VALIDATE_DELAY_MS = 150;

export function useLiveValidation(delay = VALIDATE_DELAY_MS): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let alive = true;
    let failing = false;
    const controller = new AbortController();

    const run = () => {
      const revision = builderStore.getState().revision;
      // Requests are not cancelled by newer ones: while edits keep coming, intermediate answers
      // still show; the revision check in applyValidation drops any that arrive out of order.
      api
        .validate(currentGraph(), controller.signal)
        .then((result) => {
          if (!alive) return;
          failing = false;
          builderStore.getState().applyValidation(revision, result);
        })
        .catch((e: unknown) => {
          if (!alive || controller.signal.aborted) return;
          if (!failing) {
            const msg = e instanceof ApiError ? e.message : "the server did not answer";
            builderStore.getState().toast(`Validation failed: ${msg}`, "error");
          }
          failing = true;
        });
    };

    const unsubscribe = builderStore.subscribe((s, prev) => {
      if (s.revision === prev.revision) return;
      clearTimeout(timer);
      timer = setTimeout(run, delay);
    });
    run();
    return () => {
      alive = false;
      unsubscribe();
      clearTimeout(timer);
      controller.abort();
    };
  }, [delay]);
}
