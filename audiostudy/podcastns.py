"""The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0) as a feedgen extension.

feedgen's own `podcast` extension covers the iTunes tags; this one adds, per feed, `<podcast:guid>`
and `<podcast:locked>`, and per episode `<podcast:chapters>`, `<podcast:transcript>` and
`<podcast:alternateEnclosure>` (with its `<podcast:source>`), so modern podcast apps show chapters,
the text, and can pick the smaller Opus file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

NS = "https://podcastindex.org/namespace/1.0"
CHAPTERS_TYPE = "application/json+chapters"
# The namespace's fixed UUIDv5 namespace for <podcast:guid>, derived from the feed URL.
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 feed GUID: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))


@dataclass(frozen=True)
class Link:
    url: str
    type: str
    length: int = 0
    language: str = ""


class PodcastIndexExtension(BaseExtension):
    def __init__(self) -> None:
        self._guid: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": NS}

    def guid(self, feed_url: str) -> None:
        self._guid = podcast_guid(feed_url)

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        locked = xml_elem(f"{{{NS}}}locked", channel)
        locked.text = "no"
        if self._guid:
            xml_elem(f"{{{NS}}}guid", channel).text = self._guid
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    def __init__(self) -> None:
        self._chapters: str | None = None
        self._transcripts: list[Link] = []
        self._alternates: list[Link] = []

    def chapters(self, url: str) -> None:
        self._chapters = url

    def transcript(self, link: Link) -> None:
        self._transcripts.append(link)

    def alternate_enclosure(self, link: Link) -> None:
        self._alternates.append(link)

    def extend_rss(self, entry: Any) -> Any:
        if self._chapters:
            el = xml_elem(f"{{{NS}}}chapters", entry)
            el.attrib.update({"url": self._chapters, "type": CHAPTERS_TYPE})
        for t in self._transcripts:
            el = xml_elem(f"{{{NS}}}transcript", entry)
            el.attrib.update({"url": t.url, "type": t.type})
            if t.language:
                el.attrib["language"] = t.language
        for a in self._alternates:
            el = xml_elem(f"{{{NS}}}alternateEnclosure", entry)
            el.attrib.update({"type": a.type, "length": str(a.length)})
            xml_elem(f"{{{NS}}}source", el).attrib["uri"] = a.url
        return entry
