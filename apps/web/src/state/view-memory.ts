import type { VirtualItem } from "@tanstack/solid-virtual";

/**
 * Per-room memory of the message view for this session: where the reader
 * was scrolled (a message and an offset, since row heights are measured
 * again on each visit) and where they had read to (the server's marker).
 */
export interface ScrollSpot {
  /** The first message in view, or null when the view was at the newest. */
  messageId: number | null;
  /** Pixels from the top of the viewport to that message's top. */
  offset: number;
}

/** Where a room's "New messages" divider goes, as the server's read marker says (components/attention/dividers.ts). */
export interface ReadMarkers {
  at(roomId: number): number | null;
}

/** Rows as the message list measured them (the virtualiser's snapshot: keys and sizes). */
export type MeasuredRows = VirtualItem[];

export function makeViewMemory(markers: ReadMarkers) {
  const spots = new Map<number, ScrollSpot>();
  const measured = new Map<number, MeasuredRows>();
  let pane = { width: 0, height: 0 };
  return {
    /** The message pane's size when a list last closed: the next one lays out its first rows for it, before it is measured. */
    paneSize: () => pane,
    keepPaneSize: (size: { width: number; height: number }) => {
      pane = size;
    },
    spot: (roomId: number): ScrollSpot | undefined => spots.get(roomId),
    keepSpot: (roomId: number, spot: ScrollSpot) => spots.set(roomId, spot),
    /** The row heights measured on the last visit: coming back lays out at once where it ends, without measuring again. */
    measured: (roomId: number): MeasuredRows => measured.get(roomId) ?? [],
    keepMeasured: (roomId: number, rows: MeasuredRows) => measured.set(roomId, rows),
    /**
     * The newest message the reader had read in a room ("where you left
     * off"): the server's marker, so it is the same after a reload and in
     * every tab. The one function the "New messages" divider reads; reactive.
     */
    seenUpTo: (roomId: number): number | null => markers.at(roomId),
  };
}

export type ViewMemory = ReturnType<typeof makeViewMemory>;
