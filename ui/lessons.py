"""The registry of pages: app.py builds its navigation from it, Home draws the lesson map from it,
and the tests open every page it lists. Add a lesson here and everything else follows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    path: str  # page file, relative to app.py
    title: str  # sidebar label and page title
    url_path: str  # the page's address: /<url_path>?keep_prob=... ("" for Home, the default page)
    icon: str  # Material icon shown in the sidebar
    summary: str  # one line for the lesson map on Home
    section: str = "Lessons"  # sidebar group


HOME = Lesson("pages/home.py", "Home", "", ":material/home:", "What dropout is and where to start.", "Start")

LESSONS: tuple[Lesson, ...] = ()


def all_pages() -> tuple[Lesson, ...]:
    """Home first, then every lesson in the order of the sidebar."""
    return (HOME, *LESSONS)
