//! Where each byte of a text miglint derived from the file came from: the
//! SQL inside a string literal once its quotes are undone, the statement
//! `format()` builds, a function body. A finding on such a text is placed
//! back on the file through its map.

use crate::input::source::Span;

/// A text's bytes, in pieces, each with the file span it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SpanMap {
    /// In text order, each starting where the one before ends.
    pieces: Vec<Piece>,
    len: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece {
    /// Where the piece starts in the text.
    at: usize,
    len: usize,
    /// Where it came from in the file.
    from: Span,
    /// Copied byte for byte (`from` is as long as the piece); otherwise the
    /// whole piece stands for all of `from` (an escape, a `%I` filled in).
    verbatim: bool,
}

impl SpanMap {
    /// A text copied byte for byte from the file at `from`.
    pub(crate) fn verbatim(from: Span) -> SpanMap {
        let mut map = SpanMap::default();
        map.push_verbatim(from);
        map
    }

    /// The length of the text mapped so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends text copied byte for byte from the file span `from`.
    pub(crate) fn push_verbatim(&mut self, from: Span) {
        if let Some(last) = self
            .pieces
            .last_mut()
            .filter(|p| p.verbatim && p.from.end == from.start)
        {
            last.len += from.len();
            last.from.end = from.end;
        } else if !from.is_empty() {
            self.pieces.push(Piece {
                at: self.len,
                len: from.len(),
                from,
                verbatim: true,
            });
        }
        self.len += from.len();
    }

    /// Appends `len` bytes of text that stand for the file span `from` as a
    /// whole.
    pub(crate) fn push_whole(&mut self, len: usize, from: Span) {
        if len == 0 {
            return;
        }
        self.pieces.push(Piece {
            at: self.len,
            len,
            from,
            verbatim: false,
        });
        self.len += len;
    }

    /// Appends the pieces of `other`, for text appended as it maps.
    pub(crate) fn extend(&mut self, other: &SpanMap) {
        for piece in &other.pieces {
            if piece.verbatim {
                self.push_verbatim(piece.from);
            } else {
                self.push_whole(piece.len, piece.from);
            }
        }
    }

    /// The map of the bytes `range` of the text alone.
    pub(crate) fn slice(&self, range: Span) -> SpanMap {
        SpanMap::verbatim(range).through(self)
    }

    /// The piece holding byte `offset` of the text (the last one for the end).
    fn piece(&self, offset: usize) -> Option<&Piece> {
        let index = self.pieces.partition_point(|p| p.at + p.len <= offset);
        self.pieces.get(index).or(self.pieces.last())
    }

    /// Where the text's byte `offset` starts in the file.
    fn start_of(&self, offset: usize) -> Option<usize> {
        let piece = self.piece(offset)?;
        Some(if piece.verbatim {
            piece.from.start + offset.saturating_sub(piece.at).min(piece.len)
        } else {
            piece.from.start
        })
    }

    /// Where the text's byte `offset` ends in the file.
    fn end_of(&self, offset: usize) -> Option<usize> {
        let piece = self.piece(offset)?;
        Some(if piece.verbatim {
            piece.from.start + (offset.saturating_sub(piece.at) + 1).min(piece.len)
        } else {
            piece.from.end
        })
    }

    /// The file span a span of the text came from. A span past the text is
    /// clamped to its end; an empty map gives None.
    pub(crate) fn file_span(&self, span: Span) -> Option<Span> {
        let start = self.start_of(span.start.min(self.len.saturating_sub(1)))?;
        if span.is_empty() {
            return Some(Span::new(start, start));
        }
        let end = self.end_of((span.end - 1).min(self.len.saturating_sub(1)))?;
        Some(Span::new(start, end.max(start)))
    }

    /// This map, for a text derived from another text that `outer` maps to
    /// the file: the map from this text straight to the file.
    pub(crate) fn through(&self, outer: &SpanMap) -> SpanMap {
        let mut composed = SpanMap::default();
        for piece in &self.pieces {
            if !piece.verbatim {
                let from = outer.file_span(piece.from).unwrap_or(piece.from);
                composed.push_whole(piece.len, from);
                continue;
            }
            // A verbatim piece keeps its bytes where the outer map copies
            // them too, and stands for the outer pieces it crosses otherwise.
            let mut at = piece.from.start;
            while at < piece.from.end {
                let Some(outer_piece) = outer.piece(at) else { break };
                let end = (outer_piece.at + outer_piece.len).min(piece.from.end).max(at + 1);
                let target = outer.file_span(Span::new(at, end)).unwrap_or(piece.from);
                if outer_piece.verbatim && target.len() == end - at {
                    composed.push_verbatim(target);
                } else {
                    composed.push_whole(end - at, target);
                }
                at = end;
            }
        }
        composed
    }

    /// The same map for a source that starts `by` bytes further on.
    pub(crate) fn shifted(&self, by: usize) -> SpanMap {
        let mut map = self.clone();
        for piece in &mut map.pieces {
            piece.from = piece.from.offset_by(by);
        }
        map
    }

    /// The file span the whole text came from.
    pub(crate) fn whole(&self) -> Option<Span> {
        self.file_span(Span::new(0, self.len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbatim_text_maps_byte_for_byte() {
        let map = SpanMap::verbatim(Span::new(10, 30));
        assert_eq!(map.file_span(Span::new(2, 5)), Some(Span::new(12, 15)));
        assert_eq!(map.file_span(Span::new(4, 4)), Some(Span::new(14, 14)));
        assert_eq!(map.whole(), Some(Span::new(10, 30)));
    }

    #[test]
    fn a_piece_that_stands_for_a_span_maps_to_all_of_it() {
        // `it''s` in the file (at 0) is `it's` in the text.
        let mut map = SpanMap::default();
        map.push_verbatim(Span::new(0, 2));
        map.push_whole(1, Span::new(2, 4));
        map.push_verbatim(Span::new(4, 5));
        assert_eq!(map.len(), 4);
        assert_eq!(map.file_span(Span::new(0, 4)), Some(Span::new(0, 5)));
        assert_eq!(map.file_span(Span::new(2, 3)), Some(Span::new(2, 4)));
        assert_eq!(map.file_span(Span::new(3, 4)), Some(Span::new(4, 5)));
    }

    #[test]
    fn maps_compose() {
        // The outer text is the file's bytes 100..120 with an escape at 105..107.
        let mut outer = SpanMap::default();
        outer.push_verbatim(Span::new(100, 105));
        outer.push_whole(1, Span::new(105, 107));
        outer.push_verbatim(Span::new(107, 120));
        // The inner text copies the outer text's bytes 3..10.
        let inner = SpanMap::verbatim(Span::new(3, 10));
        let composed = inner.through(&outer);
        assert_eq!(composed.len(), 7);
        assert_eq!(composed.file_span(Span::new(0, 2)), Some(Span::new(103, 105)));
        assert_eq!(composed.file_span(Span::new(2, 3)), Some(Span::new(105, 107)));
        assert_eq!(composed.file_span(Span::new(3, 7)), Some(Span::new(107, 111)));
    }

    #[test]
    fn spans_past_the_text_are_clamped() {
        let map = SpanMap::verbatim(Span::new(5, 8));
        assert_eq!(map.file_span(Span::new(1, 50)), Some(Span::new(6, 8)));
        assert_eq!(SpanMap::default().file_span(Span::new(0, 1)), None);
    }
}
