/** Fetches the pictures of the run the builder's graph was last trained in, whenever that run changes (and on each visit). */
import { useEffect } from "react";
import { builderStore } from "@/store/builder-store";
import { runPicturesStore } from "@/store/run-pictures-store";

export function useLastRunPictures(): void {
  useEffect(() => {
    void runPicturesStore.getState().load(builderStore.getState().lastRunId);
    return builderStore.subscribe((s, prev) => {
      if (s.lastRunId !== prev.lastRunId) void runPicturesStore.getState().load(s.lastRunId);
    });
  }, []);
}
