"""Sora Studio: local storyboarded video generation inside a real timeline editor."""

__version__ = "0.1.0"
