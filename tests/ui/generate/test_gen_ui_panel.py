"""The Generate panel: model picker and tiny-model banner, rounding notices, inline validation, Ctrl+Enter."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from sora_studio.core.models.manifest import get_manifest
from sora_studio.ui.generate import form


def test_form_rounds_sizes_and_frames_to_the_family_rules():
    tiny = get_manifest("wan-tiny")
    values = form.FormValues(model_id="wan-tiny", prompt="a cat", seconds=1.0, aspect="16:9", fps=16, seed=3,
                             steps=2, guidance=5.0)
    plan = form.plan(values, tiny)
    assert plan.ok, plan.errors
    # 64x64 default cut to 16:9 is 64x36, which this family (multiples of 16) rounds to 64x32
    assert (plan.width, plan.height) == (64, 32)
    assert any("64x36 rounded to 64x32" in n for n in plan.notices)
    assert plan.frames == 17 and plan.request.seconds * 16 == 17  # 4k+1 frames
    assert (plan.request.width, plan.request.height, plan.request.seed) == (64, 32, 3)

    wan = get_manifest("wan2.1-t2v-1.3b")
    assert form.preset_size("16:9", wan.rules) == (832, 480)
    assert form.preset_size("9:16", wan.rules) == (480, 832)
    assert form.preset_size("1:1", wan.rules) == (480, 480)
    plan = form.plan(form.FormValues(model_id=wan.id, prompt="x", seconds=2.0, aspect="16:9", fps=16), wan)
    assert (plan.width, plan.height) == (832, 480) and not any("rounded to" in n and "x" in n.split()[1]
                                                              for n in plan.notices if n.startswith("size"))


def test_form_errors_say_what_to_do():
    tiny = get_manifest("wan-tiny")
    plan = form.plan(form.FormValues(model_id="wan-tiny", prompt="   ", seconds=30.0, aspect=form.CUSTOM,
                                     width=0, height=64, fps=16), tiny)
    assert plan.request is None
    assert "prompt is empty" in plan.errors["prompt"] and "describe" in plan.errors["prompt"]
    assert "too long" in plan.errors["seconds"] and "split longer shots" in plan.errors["seconds"]
    assert "out of range" in plan.errors["size"]


def test_panel_lists_tiny_models_with_a_noise_banner(gen_ui, qtbot):
    panel = gen_ui.panel
    labels = [panel.model.itemText(i) for i in range(panel.model.count())]
    assert any(label.startswith("wan-tiny") and form.TINY_LABEL in label for label in labels)
    assert not any("stable-audio" in label for label in labels)  # audio-only models are not offered here
    panel.select_model("wan-tiny")
    assert panel.banner.isVisibleTo(panel) and "produces noise" in panel.banner.text()
    assert panel.steps.value() == get_manifest("wan-tiny").default_steps
    assert panel.fps.value() == 16


def test_panel_shows_rounding_and_inline_errors_and_queues_nothing_on_error(gen_ui, qtbot):
    panel, controller = gen_ui.panel, gen_ui.controller
    panel.select_model("wan-tiny")
    panel.aspect.setCurrentText("16:9")
    assert panel.size_label.text() == "→ 64×32"
    assert panel.notices.isVisibleTo(panel) and "rounded to 64x32" in panel.notices.text()
    assert not panel.errors["prompt"].isVisibleTo(panel)  # no nagging before the first try

    assert panel.generate() == []
    assert panel.errors["prompt"].isVisibleTo(panel) and "prompt is empty" in panel.errors["prompt"].text()
    assert controller.jobs() == []
    panel.seconds.setValue(20.0)
    assert "too long" in panel.errors["seconds"].text()
    panel.seconds.setValue(1.0)
    assert not panel.errors["seconds"].isVisibleTo(panel)
    panel.prompt.setPlainText("a paper boat on a puddle")
    assert not panel.errors["prompt"].isVisibleTo(panel)


def test_ctrl_enter_queues_variations_with_consecutive_seeds(gen_ui, fake_engine, qtbot):
    panel, controller = gen_ui.panel, gen_ui.controller
    fake_engine.hold()  # hold the first job so the others stay queued
    panel.select_model("wan-tiny")
    panel.prompt.setPlainText("a lighthouse in a storm")
    panel.seed.setValue(100)
    panel.seed_lock.setChecked(True)
    panel.variations.setCurrentIndex(panel.variations.findData(2))
    panel.prompt.setFocus()
    QTest.keyClick(panel.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    jobs = controller.jobs()
    assert [j.request.seed for j in jobs] == [100, 101]
    assert all(j.request.prompt == "a lighthouse in a storm" and j.request.model_id == "wan-tiny" for j in jobs)
    assert panel.prompt.toPlainText() == "a lighthouse in a storm"  # Ctrl+Enter did not type a newline
    assert panel.seed.value() == 100  # locked
    assert "Queued 2 jobs" in panel.status.text()
    panel.seed_lock.setChecked(False)
    panel.variations.setCurrentIndex(0)
    panel.generate()
    assert panel.seed.value() != 100  # unlocked: a new seed for the next one


def test_install_twice_replaces_the_docks_and_menu(window, fake_engine, tmp_path):
    from sora_studio.core.generation.queue import JobQueue
    from sora_studio.ui.generate import install

    first = install(window, queue=JobQueue(tmp_path / "a.sqlite"))  # what MainWindow does with the real engine
    second = install(window, client=fake_engine, queue=JobQueue(tmp_path / "b.sqlite"))
    try:
        assert window.generation is second and window.docks["Generate"] is second.panel_dock
        menus = [a.text() for a in window.menuBar().actions()]
        assert menus.count("&Generate") == 1
        panels = [a.text() for a in window.panels_menu.actions()]
        assert panels.count("Generate") == 1 and panels.count("Queue") == 1
        assert first.controller.closed
    finally:
        second.controller.shutdown()
