/**
 * An image run's feature maps, live: the fixed sample the server runs them on (enlarged, its pixels
 * kept square), its label and the model's prediction, and every Conv/Pool node's first channels.
 */
import { memo } from "react";
import { PictureCanvas } from "@/components/picture-canvas";
import type { SampleTarget } from "@/lib/run-types";
import { useRun } from "@/store/run-store";

/** A class's name where the run knows them (its index otherwise); a regression target's values. */
function targetText(classes: readonly string[], target: SampleTarget): string {
  if (target === null) return "–";
  if (Array.isArray(target)) return target.map((v) => v.toFixed(3)).join(", ");
  return classes[target] ?? String(target);
}

function sameTarget(a: SampleTarget, b: SampleTarget): boolean | null {
  if (a === null || b === null || Array.isArray(a) || Array.isArray(b)) return null;
  return a === b;
}

function FeatureMapsPanelView({ classes }: { classes: readonly string[] }) {
  const latest = useRun((s) => s.series.latest.featureMaps);
  if (!latest) return <p className="muted pad">The feature maps appear after the first epoch.</p>;
  const { sample, nodes } = latest.value;
  const right = sameTarget(sample.label, sample.prediction);
  return (
    <div className="feature-maps" data-testid="feature-maps-panel" data-epoch={latest.epoch}>
      <div className="feature-sample">
        <PictureCanvas picture={sample.image.channels} className="feature-sample-image" testId="feature-sample" label={`Sample ${sample.index}`} />
        <dl className="feature-sample-facts">
          <dt>sample</dt>
          <dd>#{sample.index}</dd>
          <dt>label</dt>
          <dd data-testid="feature-sample-label">{targetText(classes, sample.label)}</dd>
          <dt>prediction</dt>
          <dd data-testid="feature-sample-prediction" className={right === null ? undefined : right ? "good" : "bad"}>
            {targetText(classes, sample.prediction)}
          </dd>
          <dt>epoch</dt>
          <dd>{latest.epoch}</dd>
        </dl>
      </div>
      {Object.entries(nodes).map(([node, maps]) => (
        <section key={node} className="feature-node" data-testid={`feature-maps-${node}`}>
          <h3>
            {node} <span className="muted">{maps.channels.length < maps.of ? `first ${maps.channels.length} of ${maps.of} channels` : `${maps.of} channels`}</span>
          </h3>
          <div className="feature-grid">
            {maps.channels.map((picture, k) => (
              <PictureCanvas key={k} picture={picture} className="feature-map" testId={`feature-map-${node}-${k}`} label={`${node} channel ${k}`} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

export const FeatureMapsPanel = memo(FeatureMapsPanelView);
