/** An error to mark in the gutter, on a 1-based line of this pane. */
export interface Mark {
  readonly line: number;
  readonly message: string;
}

/** A worker's current line, highlighted in its colour with what it is about to do. */
export interface Highlight {
  readonly line: number;
  readonly colour: string;
  /** `'producer 1: acquire producer_lock'`. */
  readonly label: string;
}
