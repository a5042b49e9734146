/** The app's pages by path. Django serves index.html for each of these paths. */
import type { ReactNode } from "react";
import { BuilderPage } from "@/pages/builder-page";
import { RunPage } from "@/pages/run-page";
import { RunsPage } from "@/pages/runs-page";
import type { Route } from "@/lib/router";

export const routes: Route<ReactNode>[] = [
  { pattern: /^\/$/, render: () => <BuilderPage /> },
  { pattern: /^\/runs\/?$/, render: () => <RunsPage /> },
  { pattern: /^\/runs\/(\d+)\/?$/, render: ([id]) => <RunPage key={id} runId={Number(id)} /> },
];
