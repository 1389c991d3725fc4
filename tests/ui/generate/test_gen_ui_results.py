"""Finished clips: into the project's media/ folder and media bin; takes for a selected clip through undo."""

import json
from pathlib import Path

from sora_studio.core.timeline.model import NAMESPACE


def _media_names(window):
    return [window.media_bin.list.item(i).text() for i in range(window.media_bin.list.count())]


def test_plain_generation_lands_in_the_media_bin_with_its_recipe(gen_ui, window, fake_engine, qtbot, ui):
    panel, controller = gen_ui.panel, gen_ui.controller
    project = window.session.project
    before = len(project.media)
    panel.select_model("wan-tiny")
    panel.prompt.setPlainText("Waves on black rocks!")
    panel.seed.setValue(12)
    (job_id,) = panel.generate()
    ui.wait_for(qtbot, lambda: controller.live_state(job_id).media_id is not None)
    assert len(project.media) == before + 1
    item = project.media[-1]
    assert item.url == "media/waves-on-black-rocks-s12.mp4" and item.kind == "video"
    path = project.resolve(item.url)
    assert path.is_file() and path.parent == project.media_dir
    sidecar = Path(str(path) + ".recipe.json")
    assert json.loads(sidecar.read_text())["seed"] == 12
    renders = Path(controller.queue.get(job_id).output)
    assert not renders.exists()  # moved, not copied
    ui.wait_for(qtbot, lambda: "waves-on-black-rocks-s12.mp4" in _media_names(window))
    row = gen_ui.queue_view.rows[job_id]
    ui.wait_for(qtbot, lambda: "media bin" in row.note.text())
    assert "noise" in row.note.text()  # made with a tiny test model
    assert window.session.undo_stack.count() == 0  # a plain generation is not a timeline edit


def test_take_for_selected_clip_is_added_and_undo_removes_it(gen_ui, window, fake_engine, qtbot, ui):
    panel, session = gen_ui.panel, window.session
    track, clip = next((t, c) for t, c in session.timeline.clips() if t.kind == "video")
    assert not panel.take_button.isEnabled()
    session.select({clip.id})
    assert panel.take_button.isEnabled() and repr(clip.name) in panel.target_label.text()
    takes_before = set(clip.takes)
    active_before = clip.active_take
    panel.select_model("wan-tiny")
    panel.prompt.setPlainText("the same shot at night")
    panel.seed.setValue(77)
    panel.seed_lock.setChecked(True)
    (job_id,) = panel.generate_take()

    def current():
        return next(c for _, c in session.timeline.clips() if c.id == clip.id)

    ui.wait_for(qtbot, lambda: "gen-s77" in current().takes)
    take = current().takes["gen-s77"]
    assert take.url.startswith("media/") and session.project.resolve(take.url).is_file()
    meta = take.metadata[NAMESPACE]
    assert meta["recipe"]["seed"] == 77 and meta["job_id"] == job_id and meta["generated"] is True
    # the fake clip is 0.5 s: shorter than the demo clip, so it is kept as a take but not activated
    assert current().active_take == active_before
    assert session.undo_stack.count() == 1 and session.undo_stack.undoText() == "Add Take"
    session.undo_stack.undo()
    assert set(current().takes) == takes_before and current().active_take == active_before
    session.undo_stack.redo()
    assert "gen-s77" in current().takes
    # the clip is in the media bin as well, whatever happens to the take
    assert any(m.url == take.url for m in session.project.media)

    # a second take for the same clip with the same seed gets its own key
    (second,) = panel.generate_take()
    ui.wait_for(qtbot, lambda: "gen-s77-2" in current().takes)


def test_take_for_a_clip_deleted_meanwhile_still_imports_the_media(gen_ui, window, fake_engine, qtbot, ui):
    from sora_studio.core.timeline.edits import Lift

    panel, controller, session = gen_ui.panel, gen_ui.controller, window.session
    _, clip = next((t, c) for t, c in session.timeline.clips() if t.kind == "video")
    session.select({clip.id})
    panel.prompt.setPlainText("gone before it was done")
    fake_engine.hold()
    (job_id,) = panel.generate_take()
    assert session.do(Lift([clip.id]))
    fake_engine.release()
    ui.wait_for(qtbot, lambda: controller.live_state(job_id).media_id is not None)
    assert "no take added" in controller.live_state(job_id).note
    assert session.undo_stack.count() == 1  # only the Lift


def test_result_without_a_project_waits_for_import(gen_ui, window, fake_engine, qtbot, ui):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    session = window.session
    project = session.project
    session.project = None  # as if no project were open
    try:
        from sora_studio.core.generation.request import GenerationRequest

        (job_id,) = controller.submit(GenerationRequest(model_id="wan-tiny", prompt="x", seed=1, steps=2))
        ui.wait_for(qtbot, lambda: controller.queue.get(job_id).state == "done")
        ui.wait_for(qtbot, lambda: dock.rows[job_id].state == "done")
        assert controller.live_state(job_id).media_id is None
        assert dock.rows[job_id].buttons["import"].isVisibleTo(dock)
        assert not dock.rows[job_id].buttons["import"].isEnabled()
    finally:
        session.project = project
    dock.sync()
    assert dock.rows[job_id].buttons["import"].isEnabled()
    dock.rows[job_id].buttons["import"].click()
    assert controller.live_state(job_id).media_id is not None
    dock.sync()
    assert not dock.rows[job_id].buttons["import"].isVisibleTo(dock)


def test_take_target_survives_a_restart_of_the_studio(gen_ui, window, fake_engine, qtbot, ui, tmp_path):
    from sora_studio.core.generation.queue import JobQueue
    from sora_studio.ui.generate import install
    from sora_studio.ui.jobs.targets import TakeTargets

    session = window.session
    _, clip = next((t, c) for t, c in session.timeline.clips() if t.kind == "video")
    gen_ui.controller.set_paused(True)
    session.select({clip.id})
    gen_ui.panel.prompt.setPlainText("queued before quitting")
    gen_ui.panel.seed.setValue(5)
    (job_id,) = gen_ui.panel.generate_take()
    queue_path = gen_ui.controller.queue.path
    gen_ui.controller.shutdown()  # the studio quits with the job still queued

    # another project's clip ids are never used, even for the same job id
    targets = TakeTargets(queue_path.with_name(queue_path.stem + "-take-targets.json"))
    assert targets.get(job_id, str(session.project.path.resolve())) == clip.id
    assert targets.get(job_id, "/elsewhere/Other.sorastudio") is None

    queue = JobQueue(queue_path, outputs_dir=tmp_path / "renders")
    fake_engine.closed = False  # a fresh engine for the next start
    again = install(window, client=fake_engine, queue=queue)  # next start
    try:
        again.controller.set_paused(False)
        ui.wait_for(qtbot, lambda: any(k.startswith("gen-s5") for k in
                                       next(c for _, c in session.timeline.clips() if c.id == clip.id).takes))
    finally:
        again.controller.shutdown()
        queue.close()
