"""Real media files made at test time: Pillow images, tiny videos encoded with PyAV, PDFs from pypdf.

Nothing is checked in as a binary, and nothing big is written: an "oversized" file is a real file
padded with a sparse hole, so the size check sees gigabytes while the disk holds kilobytes.
"""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import pypdf
from PIL import Image

MB = 1024 * 1024


class MediaFactory:
    """Writes small, genuine media files into one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / name

    def image(
        self,
        name: str,
        size: tuple[int, int] = (800, 600),
        fmt: str | None = None,
        mode: str = "RGB",
        orientation: int | None = None,
    ) -> Path:
        """An image; ``fmt`` defaults to what the suffix says (so a lying name needs ``fmt``)."""
        path = self.path(name)
        img = Image.new(mode, size, _colour(mode))
        kwargs: dict[str, object] = {}
        if orientation is not None:
            exif = Image.Exif()
            exif[0x0112] = orientation
            kwargs["exif"] = exif.tobytes()
        img.save(path, format=fmt, **kwargs)
        return path

    def gif(self, name: str, frames: int = 5, size: tuple[int, int] = (40, 30)) -> Path:
        path = self.path(name)
        images = [Image.new("RGB", size, (i * 40 % 256, 90, 160)) for i in range(frames)]
        images[0].save(path, format="GIF", save_all=frames > 1, append_images=images[1:], duration=100, loop=0)
        return path

    def video(
        self,
        name: str,
        size: tuple[int, int] = (64, 114),
        seconds: float = 1.0,
        fps: int = 30,
        codec: str = "libx264",
        audio: str | None = "aac",
        rotation: int | None = None,
        fmt: str | None = None,
        faststart: bool = False,
    ) -> Path:
        """A short clip of a flat colour, with a silent audio track unless ``audio`` is None."""
        path = self.path(name)
        options = {"movflags": "faststart"} if faststart else {}
        with av.open(str(path), "w", format=fmt, options=options) as container:
            stream = container.add_stream(codec, rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            if codec == "libx264":
                stream.options = {"preset": "ultrafast"}
            if rotation is not None:
                stream.set_display_rotation(rotation)
            sound = container.add_stream(audio, rate=48000) if audio else None
            picture = av.VideoFrame.from_image(Image.new("RGB", size, (200, 40, 40)))
            for index in range(round(seconds * fps)):
                picture.pts = index
                picture.time_base = Fraction(1, fps)
                container.mux(stream.encode(picture))
            container.mux(stream.encode(None))
            if sound is not None:
                _silence(container, sound, seconds)
        return path

    def audio_only(self, name: str, seconds: float = 0.3) -> Path:
        path = self.path(name)
        with av.open(str(path), "w", format="mp4") as container:
            _silence(container, container.add_stream("aac", rate=48000), seconds)
        return path

    def pdf(self, name: str, pages: int = 3) -> Path:
        path = self.path(name)
        writer = pypdf.PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(width=200, height=200)
        with path.open("wb") as handle:
            writer.write(handle)
        return path

    def padded_pdf(self, name: str, size: int) -> Path:
        """A one-page PDF of about ``size`` bytes: a stream object holds a sparse hole, the xref stays valid.

        (Padding after %%EOF would be simpler, but then pypdf crawls back through the zeros to find it.)
        """
        path = self.path(name)
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
        hole = max(0, size - 1024)
        offsets = []
        with path.open("wb") as out:
            out.write(b"%PDF-1.7\n")
            for number, body in enumerate(objects, start=1):
                offsets.append(out.tell())
                out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
            offsets.append(out.tell())
            out.write(b"4 0 obj\n<< /Length %d >>\nstream\n" % hole)
            out.seek(hole, io.SEEK_CUR)
            out.write(b"\nendstream\nendobj\n")
            xref = out.tell()
            out.write(b"xref\n0 5\n0000000000 65535 f \n")
            out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
            out.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
        return path

    def pptx(self, name: str, slides: int = 2) -> Path:
        """The parts of a PPTX that tell it apart (enough for sniffing and counting slides)."""
        path = self.path(name)
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("ppt/presentation.xml", "<p:presentation/>")
            for index in range(1, slides + 1):
                archive.writestr(f"ppt/slides/slide{index}.xml", "<p:sld/>")
        return path

    def bytes(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.write_bytes(data)
        return path

    def truncated(self, source: Path, name: str, keep: float = 0.5) -> Path:
        data = source.read_bytes()
        return self.bytes(name, data[: max(1, int(len(data) * keep))])


def pad_to(path: Path, size: int) -> Path:
    """Grow ``path`` to ``size`` bytes with a sparse hole; readers stop at the media's own end."""
    with path.open("r+b") as handle:
        handle.truncate(size)
    return path


def _colour(mode: str) -> int | tuple[int, ...]:
    return {"L": 128, "P": 3, "RGBA": (10, 120, 200, 255), "CMYK": (0, 80, 160, 0)}.get(mode, (10, 120, 200))


def _silence(container: av.container.OutputContainer, sound: av.audio.stream.AudioStream, seconds: float) -> None:
    rate, samples = 48000, 1024
    frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = rate
    for start in range(0, int(seconds * rate), samples):
        frame.pts = start
        container.mux(sound.encode(frame))
    container.mux(sound.encode(None))


def jpeg_bytes(size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, format="JPEG")
    return buffer.getvalue()
