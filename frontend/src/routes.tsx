/** The app's pages by path. Django serves index.html for each of these paths. */
import type { ReactNode } from "react";
import { BuilderPage } from "@/pages/builder-page";
import { RunPage } from "@/pages/run-page";
import { RunsPage } from "@/pages/runs-page";
import { SweepPage } from "@/pages/sweep-page";
import { SweepsPage } from "@/pages/sweeps-page";
import type { Route } from "@/lib/router";

export const routes: Route<ReactNode>[] = [
  { pattern: /^\/$/, render: () => <BuilderPage /> },
  { pattern: /^\/runs\/?$/, render: () => <RunsPage /> },
  { pattern: /^\/runs\/(\d+)\/?$/, render: ([id]) => <RunPage key={id} runId={Number(id)} /> },
  { pattern: /^\/sweeps\/?$/, render: () => <SweepsPage /> },
  { pattern: /^\/sweeps\/(\d+)\/?$/, render: ([id]) => <SweepPage key={id} sweepId={Number(id)} /> },
];
