"""One module per rendered dataset family, plus the shared musical material.

Lecture: classification-based MIR tasks. Each family module defines ``SR``, ``DESCRIPTION``
and ``make(rng, split, i) -> (notes, pitch_bends, duration_s, labels)``: clip ``i`` of a
split, drawn from the random generator ``rng``. :mod:`course_lib.data.generate` renders and
writes them; labels whose key starts with ``_`` are turned into label files there.

=================  ======================================================================
module             clips
=================  ======================================================================
``instruments``    short phrases of 8 instrument families
``notes``          single notes of the same families (NSynth-like)
``tagging``        small bands in 5 styles, with genre and multi-label tags
``onsets``         polyphonic phrases with percussion, exact onset times
``activity``       a lead voice in phrases over chords (frame-level activity)
``pitch``          monophonic melodies with vibrato and glides (frame-level f0)
``multif0``        Bach chorale excerpts from the music21 corpus (notes of 4 voices)
=================  ======================================================================
"""
