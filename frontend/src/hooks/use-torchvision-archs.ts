/** The torchvision architectures (`GET /api/torchvision`, asked once per page), or the reason they could not be read. */
import { useEffect, useState } from "react";
import type { TorchvisionArch } from "@/lib/types";
import { torchvisionArchs } from "@/store/commands";

export function useTorchvisionArchs(): { archs: TorchvisionArch[] | null; error: string | null } {
  const [archs, setArchs] = useState<TorchvisionArch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    torchvisionArchs().then(
      (list) => alive && setArchs(list),
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
    };
  }, []);
  return { archs, error };
}
