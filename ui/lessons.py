"""The registry of pages: app.py builds its navigation from it, Home draws the lesson map from it,
and the tests open every page it lists. Add a lesson here and everything else follows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    path: str  # page file, relative to app.py
    title: str  # sidebar label and page title
    url_path: str  # the page's address /<url_path>: the file's name, so that Streamlit's first-request page lookup
    # (which knows only file names) and app.py's router agree ("" for Home, the default page)
    icon: str  # Material icon shown in the sidebar
    summary: str  # one line for the lesson map on Home
    section: str = "Lessons"  # sidebar group


HOME = Lesson("pages/home.py", "Home", "", ":material/home:", "What dropout is and where to start.", "Start")

LESSONS: tuple[Lesson, ...] = (
    Lesson("pages/masks.py", "Masks", "masks", ":material/grid_on:",
           "Watch a fresh random mask hit a batch of activations on every forward pass."),
    Lesson("pages/expected.py", "Expected activations", "expected", ":material/functions:",
           "Why dividing by keep_prob keeps the average activation unchanged, and what it costs in variance."),
    Lesson("pages/train_vs_test.py", "Train vs test", "train_vs_test", ":material/compare_arrows:",
           "Standard and inverted dropout side by side on one mask, and what forgetting the scale breaks."),
    Lesson("pages/backprop.py", "Backprop and gradients", "backprop", ":material/undo:",
           "The backward pass reuses the scaled mask: gradient flow, a live gradient check and common bugs."),
    Lesson("pages/feature_maps.py", "Feature maps", "feature_maps", ":material/filter_center_focus:",
           "Why dropping single pixels of a feature map barely hurts, and why spatial dropout drops whole maps.",
           "Convolutions"),
    Lesson("pages/training_lab.py", "Training lab", "training_lab", ":material/model_training:",
           "Train a network on handwritten digits with and without dropout and watch the generalisation gap.",
           "Training"),
    Lesson("pages/inference.py", "Inference", "inference", ":material/query_stats:",
           "Weight scaling vs Monte-Carlo averaging over masks, and MC-dropout uncertainty.", "Training"),
    Lesson("pages/pitfalls.py", "Pitfalls", "pitfalls", ":material/bug_report:",
           "Six dropout bugs real code ships, each live beside its fix: test-time dropout, mask shape, flipped "
           "comparison, training loss, BatchNorm, activation order.", "Practice"),
    Lesson("pages/self_check.py", "Self-check", "self_check", ":material/quiz:",
           "Predict, then reveal: live questions computed from your keep_prob, and one on every common confusion.",
           "Practice"),
    Lesson("pages/conventions.py", "Conventions", "conventions", ":material/translate:",
           "keep_prob in PyTorch, Keras, TensorFlow, the original paper and cs231n, with the call to write.",
           "Practice"),
)


def all_pages() -> tuple[Lesson, ...]:
    """Home first, then every lesson in the order of the sidebar."""
    return (HOME, *LESSONS)
