"""Storyboards: shot cards -> generation plans -> clips on the timeline (see docs/storyboards.md).

    model.py          Shot, Storyboard, StoryboardSettings (ordered shot cards, @cameo mentions, dialogue)
    toml_io.py        storyboard files: load with line-numbered errors, save
    styles.py         style presets (resources/styles + user styles) applied to requests
    plan.py           shots -> GenerationRequests; continuity rule; model limits
    run.py            generate a storyboard onto a project's timeline, regenerate a shot, export
    clip_ops.py       remix a clip (new take), extend a clip, image-to-video clips
    timeline_link.py  shot <-> clip link (clip.metadata["sora_studio"]["shot_id"]) and generated takes
    generator.py      the ShotGenerator protocol, an in-process generator, last-frame extraction
    hooks.py          the seam for the safety room's real-person image check
"""
