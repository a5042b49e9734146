/** One picture on a canvas: a feature map in grey, or a sample image's channels (in colour when three). */
import { memo, useEffect, useRef } from "react";
import { paintPicture } from "@/components/node-pictures";
import type { Picture } from "@/lib/run-types";

export interface PictureCanvasProps {
  /** One picture, or an image's channels. */
  picture: Picture | readonly Picture[];
  className?: string;
  testId?: string;
  label?: string;
}

function PictureCanvasView({ picture, className, testId, label }: PictureCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) paintPicture(ref.current, picture);
  }, [picture]);
  return <canvas ref={ref} className={className} data-testid={testId} aria-label={label} role="img" />;
}

export const PictureCanvas = memo(PictureCanvasView);
