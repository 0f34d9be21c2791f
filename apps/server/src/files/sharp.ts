import type sharpType from "sharp";

export type Sharp = typeof sharpType;
export type Metadata = Awaited<ReturnType<ReturnType<Sharp>["metadata"]>>;

let loading: Promise<Sharp> | null = null;

/** sharp loads libvips (a second or more on a busy machine): when the first image needs it, not at every start-up. */
export const loadSharp = (): Promise<Sharp> => {
  loading ??= import("sharp").then((m) => m.default);
  return loading;
};
