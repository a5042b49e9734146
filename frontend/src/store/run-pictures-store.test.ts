import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api";
import type { RunPictures } from "@/lib/run-types";
import { createRunPicturesStore, hasPictures } from "@/store/run-pictures-store";

const pictures = (run: number, epoch = 3): RunPictures => ({
  run, epoch, feature_maps: null, health: null,
  units: { fc1: { size: 1, range: [0, 1], values: [[1]] } },
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("the last run's pictures in the builder", () => {
  it("keeps the answer for the newest run asked for, never an older one that answers late", async () => {
    const answers = new Map([[1, deferred<RunPictures>()], [2, deferred<RunPictures>()]]);
    const store = createRunPicturesStore((id) => answers.get(id)!.promise);
    const first = store.getState().load(1);
    const second = store.getState().load(2);
    answers.get(2)!.resolve(pictures(2));
    await second;
    answers.get(1)!.resolve(pictures(1));
    await first;
    expect(store.getState().pictures?.run).toBe(2);
    expect(store.getState().runId).toBe(2);
  });

  it("is shown by default for each new run, and a toggle hides it", async () => {
    const store = createRunPicturesStore(async (id) => pictures(id));
    await store.getState().load(5);
    expect(store.getState().on).toBe(true);
    store.getState().toggle();
    expect(store.getState().on).toBe(false);
    await store.getState().load(5); // the same run again (a visit): still hidden
    expect(store.getState().on).toBe(false);
    await store.getState().load(6);
    expect(store.getState().on).toBe(true);
  });

  it("shows nothing for a run that is gone, or for no run", async () => {
    const store = createRunPicturesStore(async () => {
      throw new ApiError(404, "No run 9");
    });
    await store.getState().load(9);
    expect(store.getState().pictures).toBeNull();
    expect(store.getState().error).toBe("Run 9 is gone.");
    await store.getState().load(null);
    expect(store.getState()).toMatchObject({ runId: null, pictures: null, error: null });
  });

  it("counts a run with neither units nor feature maps as having no pictures", () => {
    expect(hasPictures(pictures(1))).toBe(true);
    expect(hasPictures({ ...pictures(1), units: null })).toBe(false);
    expect(hasPictures({ ...pictures(1), units: {} })).toBe(false);
    expect(hasPictures(null)).toBe(false);
  });
});
