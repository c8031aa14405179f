"""Data for the course: offline rendered MIR datasets and SoundFont rendering.

Lecture: classification-based MIR tasks need labelled music. Nothing is downloaded: the
course renders its own labelled audio from notes with a General MIDI SoundFont
(:mod:`course_lib.data.render`).
"""

from .render import Note, PitchBend, available_soundfonts, render_notes, soundfont_path

__all__ = ["Note", "PitchBend", "available_soundfonts", "render_notes", "soundfont_path"]
