"""Input images of real people: a photo must match an enrolled cameo the requester may use (real MediaPipe,
real face descriptors, the real encrypted cameo store). The cameo 'alice' is enrolled from a 96 px crop of
scikit-image's astronaut (the `cameo_studio` fixture); the probes are other crops/scales/rotations of it."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from sora_studio.core.cameo import face_match, permissions
from sora_studio.core.cameo.face_match import MATCH_THRESHOLD, FaceFinder, flat_colour_share, pad_for_detection
from sora_studio.core.generation.policy import check_request
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.media.encode import write_clip
from sora_studio.core.safety import person_image
from sora_studio.core.storyboard import hooks
from sora_studio.errors import BadInput, Refused

HOPPER = Path(__import__("matplotlib").get_data_path()) / "sample_data" / "grace_hopper.jpg"  # US Navy, public domain


def _rotated(image: np.ndarray, degrees: float, scale: float = 1.0) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def _save(path: Path, rgb: np.ndarray) -> str:
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))
    return str(path)


def _astronaut_photo(tmp_path: Path) -> str:
    """A different framing than the enrolment: wider crop, 0.8x scale, rotated 6 degrees, JPEG."""
    photo = _rotated(data.astronaut()[0:330, 40:420], 6, 0.9)
    photo = cv2.resize(photo, (304, 264), interpolation=cv2.INTER_AREA)
    return _save(tmp_path / "astronaut.jpg", photo)


def _hopper() -> np.ndarray:
    return np.ascontiguousarray(cv2.imread(str(HOPPER))[:, :, ::-1])


def _i2v(image: str, requester: str) -> GenerationRequest:
    return GenerationRequest(model_id="wan-i2v-tiny", prompt="she waves at the camera", image=image,
                             requester=requester)


def _usage(studio):
    return [(u["requester"], u["action"]) for u in permissions.usage(studio.store, "alice", studio.alice.id)]


def test_photo_of_a_permitted_cameo_is_accepted_and_logged(cameo_studio, tmp_path):
    photo = _astronaut_photo(tmp_path)
    request = _i2v(photo, cameo_studio.alice.id)
    check_request(request).close()  # preview: accepted, nothing logged
    assert _usage(cameo_studio) == []
    check_request(request, stage="submit", job_id="j1").close()
    with check_request(request, stage="run", job_id="j1") as clearance:
        assert clearance.prompt == "she waves at the camera"
    assert _usage(cameo_studio) == [(cameo_studio.alice.id, "authorized")] * 2


def test_photo_of_a_cameo_is_refused_without_permission_and_after_revoke(cameo_studio, tmp_path):
    photo = _astronaut_photo(tmp_path)
    studio = cameo_studio
    with pytest.raises(Refused, match="cameo 'alice', which you may not use.*only its owner.*cameo you are permitted"):
        check_request(_i2v(photo, studio.bob.id), stage="submit")
    permissions.grant_to(studio.store, "alice", studio.alice.id, studio.bob.id)
    check_request(_i2v(photo, studio.bob.id), stage="submit").close()
    assert (studio.bob.id, "authorized") in _usage(studio)
    permissions.revoke(studio.store, "alice", studio.alice.id)
    for who in (studio.bob.id, studio.alice.id):
        with pytest.raises(Refused, match="revoked by its owner"):
            check_request(_i2v(photo, who), stage="run")


def test_a_minor_may_not_start_from_a_photo_of_someone_elses_cameo(cameo_studio, tmp_path):
    permissions.set_mode(cameo_studio.store, "alice", cameo_studio.alice.id, "everyone")
    with pytest.raises(Refused):
        check_request(_i2v(_astronaut_photo(tmp_path), cameo_studio.carol.id), stage="submit")


def test_photo_of_another_person_is_refused_with_what_to_do(cameo_studio, tmp_path):
    hopper = _save(tmp_path / "hopper.png", _hopper())
    with pytest.raises(Refused, match="not an enrolled cameo.*Enroll the person as a cameo.*non-photographic"):
        check_request(_i2v(hopper, cameo_studio.alice.id), stage="submit")
    refs = GenerationRequest(model_id="wan-vace-tiny", prompt="a portrait", reference_images=[hopper])
    with pytest.raises(Refused, match="not an enrolled cameo"):
        check_request(refs)


def test_the_last_frame_of_a_first_last_frame_request_is_checked_too(cameo_studio, tmp_path):
    coffee = _save(tmp_path / "coffee.png", data.coffee())
    hopper = _save(tmp_path / "hopper.png", _hopper())
    request = GenerationRequest(model_id="wan-flf2v-tiny", prompt="a cup turns into a face", image=coffee,
                                last_image=hopper, requester=cameo_studio.alice.id)
    with pytest.raises(Refused, match="the face in hopper.png"):
        check_request(request, stage="submit")


def test_a_person_photo_is_refused_when_no_cameo_store_exists(tmp_path):
    with pytest.raises(Refused, match="not an enrolled cameo"):
        check_request(GenerationRequest(model_id="wan-i2v-tiny", prompt="x", image=_astronaut_photo(tmp_path)))


@pytest.mark.parametrize("name", ["coffee", "chelsea"])
def test_face_free_images_pass(cameo_studio, tmp_path, name):
    path = _save(tmp_path / f"{name}.png", getattr(data, name)())
    check_request(_i2v(path, cameo_studio.bob.id), stage="submit").close()
    assert _usage(cameo_studio) == []


def test_storyboard_hook_uses_the_same_check(cameo_studio, tmp_path):
    hopper = _save(tmp_path / "hopper.png", _hopper())
    with pytest.raises(Refused, match="not an enrolled cameo"):
        hooks.check_person_image(hopper)
    hooks.check_person_image(_astronaut_photo(tmp_path))  # alice is the active profile: her own cameo
    cameo_studio.store.profiles.set_active(cameo_studio.bob.id)
    with pytest.raises(Refused, match="may not use"):
        hooks.check_person_image(_astronaut_photo(tmp_path))


def test_frames_the_studio_took_from_its_own_clips_are_not_user_images(cameo_studio, tmp_path):
    frame = _save(tmp_path / "shot2-first-frame.png", _hopper())  # a generated person, say
    with pytest.raises(Refused):
        check_request(_i2v(frame, cameo_studio.bob.id), stage="submit")
    hooks.register_studio_frame(frame, "continue")
    check_request(_i2v(frame, cameo_studio.bob.id), stage="run").close()
    Path(frame).write_bytes(Path(frame).read_bytes() + b"\0")  # any other file is a user image again
    with pytest.raises(Refused):
        check_request(_i2v(frame, cameo_studio.bob.id), stage="run")


def test_a_continue_cut_from_a_generated_clip_showing_a_person_is_not_refused(cameo_studio, tmp_path):
    """The storyboard's continuation frame (last frame of the previous shot) is registered as a studio frame."""
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.storyboard.run import continuation_image
    from sora_studio.core.timeline.model import Clip, Take

    project = Project.create(tmp_path / "film.sorastudio", rate=12)
    video = tmp_path / "shot1.mp4"  # a "generated" shot in which a stranger's face appears
    write_clip(video, np.stack([cv2.resize(_hopper(), (256, 304))] * 6), 12)
    clip = Clip("shot 1", 0, 6, takes={"t1": Take(str(video), length=6)}, active_take="t1")
    frame = continuation_image(project, clip, "shot2")
    check_request(_i2v(str(frame), cameo_studio.bob.id), stage="run").close()
    user_copy = tmp_path / "my-photo.png"  # the same picture re-encoded by a user is a user image
    _save(user_copy, cv2.imread(str(frame))[:, :, ::-1])
    user_copy.write_bytes(user_copy.read_bytes() + b"\0")
    with pytest.raises(Refused, match="not an enrolled cameo"):
        check_request(_i2v(str(user_copy), cameo_studio.bob.id), stage="run")


def test_remixing_a_video_of_a_person_is_checked(cameo_studio, tmp_path):
    frames = np.stack([cv2.resize(_hopper(), (256, 304))] * 12)
    video = tmp_path / "talk.mp4"
    write_clip(video, frames, 12)
    request = GenerationRequest(model_id="wan-vace-tiny", prompt="make it night", video=str(video), strength=0.5)
    with pytest.raises(Refused, match="frame sample 1"):
        check_request(request)


def test_unreadable_image_is_bad_input(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(BadInput, match="not a readable image"):
        check_request(GenerationRequest(model_id="wan-i2v-tiny", prompt="x", image=str(bad)))
    with pytest.raises(BadInput, match="cannot read"):
        check_request(GenerationRequest(model_id="wan-i2v-tiny", prompt="x", image=str(tmp_path / "gone.png")))


def test_flat_colour_drawings_are_told_apart_from_photos():
    cartoon = np.full((200, 200, 3), 240, np.uint8)
    cv2.circle(cartoon, (100, 100), 80, (250, 200, 150), -1)
    cv2.circle(cartoon, (70, 80), 10, (20, 20, 20), -1)
    cv2.circle(cartoon, (130, 80), 10, (20, 20, 20), -1)
    cv2.ellipse(cartoon, (100, 130), (35, 15), 0, 0, 180, (150, 30, 30), 4)
    assert flat_colour_share(cartoon, (0, 0, 200, 200)) > person_image.FLAT_COLOUR_SHARE
    assert flat_colour_share(data.astronaut(), (125, 23, 325, 223)) < 0.1


def test_genuine_and_impostor_similarities_are_separated_by_the_threshold():
    """The measurement behind MATCH_THRESHOLD, on a small set (figures in docs/safety.md)."""
    from sora_studio.core.cameo.synthetic import FaceMesh, astronaut_face

    astronaut = data.astronaut()
    mesh = FaceMesh.from_image(astronaut_face(256))  # the same face with the head turned (3D mesh warp)
    genuine = [astronaut, astronaut[10:260, 100:350], _rotated(astronaut, -8, 1.1), cv2.resize(astronaut, (256, 256)),
               (astronaut * 0.6).astype(np.uint8), astronaut[:, ::-1].copy(), mesh.render(yaw=15), mesh.render(pitch=-10)]
    lfw = data.lfw_subset()[:40]  # the first 100 entries are faces of different people, 25x25 grey
    impostors = [_hopper()] + [np.repeat(cv2.resize((f * 255).astype(np.uint8), (200, 200),
                                                    interpolation=cv2.INTER_CUBIC)[:, :, None], 3, axis=2) for f in lfw]
    with FaceFinder() as finder:
        crop = astronaut_face(96)  # as enrolled: the crop and its mirror image
        enrolled = [(finder.embeddings(c) or finder.embeddings(pad_for_detection(c)))[0] for c in (crop, crop[:, ::-1])]

        def best(image):
            return [max(face_match.similarity(face, e) for e in enrolled) for face in finder.embeddings(image)]

        genuine_scores = [best(image)[0] for image in genuine]
        impostor_scores = [s for image in impostors for s in best(image)]
    assert len(impostor_scores) >= 25  # most of the LFW thumbnails are found as faces
    assert min(genuine_scores) >= MATCH_THRESHOLD + 0.01, genuine_scores
    assert max(impostor_scores) <= MATCH_THRESHOLD - 0.04, max(impostor_scores)
