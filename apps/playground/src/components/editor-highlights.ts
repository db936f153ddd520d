/**
 * Each worker's current line in an editor: the line tinted in the worker's colour, and a label
 * at its end saying what the worker is about to do ("producer 1: acquire producer_lock").
 *
 * @module
 */
import { RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, WidgetType, type DecorationSet } from '@codemirror/view';
import type { Highlight } from './editor-types.js';

class Label extends WidgetType {
  constructor(
    readonly text: string,
    readonly colour: string,
  ) {
    super();
  }
  override eq(other: Label) {
    return other.text === this.text && other.colour === this.colour;
  }
  toDOM() {
    const span = document.createElement('span');
    span.className = 'cm-worker-label';
    // The worker's colour on the border and a swatch; the text stays dark enough to read.
    span.style.borderColor = this.colour;
    span.style.boxShadow = `inset 4px 0 0 ${this.colour}`;
    span.textContent = this.text;
    return span;
  }
}

export const setHighlights = StateEffect.define<readonly Highlight[]>();
export const highlightField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(set, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setHighlights)) {
        const builder = new RangeSetBuilder<Decoration>();
        const doc = tr.state.doc;
        const byLine = new Map<number, Highlight[]>();
        for (const h of effect.value) {
          if (h.line < 1 || h.line > doc.lines) continue;
          byLine.set(h.line, [...(byLine.get(h.line) ?? []), h]);
        }
        for (const lineNo of [...byLine.keys()].sort((a, b) => a - b)) {
          const here = byLine.get(lineNo) ?? [];
          const line = doc.line(lineNo);
          const first = here[0] as Highlight;
          builder.add(
            line.from,
            line.from,
            Decoration.line({
              class: 'cm-worker-line',
              attributes: { style: `--worker: ${first.colour}` },
            }),
          );
          here.forEach((h, i) => {
            builder.add(
              line.to,
              line.to,
              Decoration.widget({ widget: new Label(h.label, h.colour), side: 1 + i }),
            );
          });
        }
        return builder.finish();
      }
    }
    return set.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});
