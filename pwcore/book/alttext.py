"""A Sphinx extension of the book: every image gets its figure's caption as its alternative text.

Without it an image's ``alt`` is its file's path, which is what a screen reader reads out and what a
browser shows where the image is missing. The caption is the figure's (a notebook's figure cell), or the
``pwcore-caption`` block right after the image (a figure glued from another page, which myst-nb pastes as a
bare image). Registered in ``_config.yml`` (``sphinx: extra_extensions``).
"""
from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

CAPTION_CLASS = "pwcore-caption"


def caption_of(image: nodes.image) -> str:
    """The text of ``image``'s caption, or "" if it has none."""
    node = image
    while node.parent is not None:
        if isinstance(node.parent, nodes.figure):
            caption = next(iter(node.parent.findall(nodes.caption)), None)
            return caption.astext() if caption is not None else ""
        following = node.parent.index(node) + 1
        if following < len(node.parent) and CAPTION_CLASS in node.parent[following].get("classes", []):
            return node.parent[following].astext()
        node = node.parent
        if isinstance(node, (nodes.section, nodes.document)):
            return ""
    return ""


class CaptionAsAltText(SphinxPostTransform):
    """Give each image without alternative text its caption's."""

    default_priority = 100  # after myst-nb pastes the figures glued from other pages (priority 5)

    def run(self, **kwargs) -> None:
        for image in self.document.findall(nodes.image):
            if not image.get("alt"):
                caption = " ".join(caption_of(image).split())
                if caption:
                    image["alt"] = caption


def setup(app) -> dict:
    app.add_post_transform(CaptionAsAltText)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
