"""Slot allocation, a pure function of its inputs (the same week, strategy, posts, candidates and clock
give the same plan):

1. Times: each platform's capacity (the strategy's posts a week, less what already goes out that week)
   is placed at its best times: the preference model's best local hours for that platform when it has
   them, else the analytics' best hours of the last 90 days once there is data, else the strategy's
   preferred times, else 09:00 (learned hours go on the strategy's days for the platform); never in the
   past, never within an hour of another post on that platform, emptiest days first, then the model's
   best weekdays, then the earliest.
2. Series first: each due episode takes a slot on each of its platforms at its due time.
3. Then the other slots, in time order, each take the candidate that scores best: its tier (ready ideas,
   then remix, then recycle, then ideas proposed for the plan or captured from a trend) lowered by how
   far its pillar is below
   the strategy's share this week (pillar-deficit weighting) and how far its language is below its
   balance (each up to one tier; shares become whole posts by the largest remainder); at most 2 of the
   same angle a week. A slot nothing fits stays open, with the pillar and language it wants, so Claude
   can propose an idea for it. A topic the preference model rests is not placed before its rest ends
   (matched on the idea's words or its pillar, see :func:`resting_on`), nor asked for in an open slot.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psn_core.services.plan.models import Busy, Candidate, DueSeries, PlanSlot, Resting, SlotSpec
from psn_core.strategy.model import DAYS, PLATFORMS, Strategy
from psn_core.strategy.slots import preferred_slots, wall_instant

MAX_SAME_ANGLE = 2
GAP = timedelta(hours=1)
DEFAULT_TIME = time(9, 0)
PILLAR_WEIGHT = 1.0
LANGUAGE_WEIGHT = 1.0
# Angles (how a topic is told) recognised from an idea's words; the first that matches wins.
ANGLES: tuple[tuple[str, str], ...] = (
    ("how-to", r"\bhow (to|i|we)\b|\bstep[- ]by[- ]step\b|\bguide\b|\bcómo\b"),
    ("myth-busting", r"\bmyths?\b|\bmisconceptions?\b|\bwrong about\b"),
    ("comparison", r"\bvs\.?\b|\bversus\b|\bcompared?\b"),
    ("prediction", r"\bpredictions?\b|\bwill be\b|\bin 20\d\d\b|\bnext year\b|\bfuture of\b"),
    ("behind-the-scenes", r"\bbehind the scenes\b|\bour process\b|\bhow we\b"),
    ("tool-recommendation", r"\btools?\b|\bstack\b|\bapps?\b"),
    ("quick-tip", r"\btips?\b|\bhacks?\b|\btricks?\b"),
    ("hot-take", r"\bunpopular\b|\bhot take\b|\boverrated\b|\bunderrated\b|\bstop\b"),
    ("story", r"\bstory\b|\blessons?\b|\bwhen i\b|\bi learned\b|\bmistakes?\b"),
    ("trend", r"\btrends?\b|\bnews\b|\bjust (launched|announced)\b"),
)
_ANGLES = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in ANGLES)


def infer_angle(text: str) -> str | None:
    """The angle an idea's words suggest (see ANGLES), or None when none does (such ideas are not capped)."""
    for name, pattern in _ANGLES:
        if pattern.search(text):
            return name
    return None


@dataclass
class WeekInput:
    week_start: date
    zone: str
    now: datetime
    strategy: Strategy
    busy: list[Busy] = field(default_factory=list)
    kept: list[PlanSlot] = field(default_factory=list)
    due: list[DueSeries] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    best_hours: dict[str, list[int]] = field(default_factory=dict)
    pref_hours: dict[str, list[int]] = field(default_factory=dict)  # the preference model's, best first
    pref_days: list[str] = field(default_factory=list)  # weekdays (mon..sun) by the model's lift, best first
    resting: list[Resting] = field(default_factory=list)


TOPIC_CHARS = 120  # the preference model keeps a topic's first 120 characters


def _words(text: str, *, clipped: bool = False) -> str:
    words = re.findall(r"\w+", text.lower())
    if clipped and len(text) >= TOPIC_CHARS and len(words) > 1:
        words = words[:-1]  # the last word may be cut
    return " " + " ".join(words) + " "


def resting_on(week: WeekInput, topic: str, pillar: str | None, day: date) -> Resting | None:
    """The rest that keeps a topic out on ``day``: one whose words the topic holds (whole words, in
    order) or that names its pillar, until the rest ends."""
    words = _words(topic)
    for rest in week.resting:
        if day >= rest.until:
            continue
        if (pillar and rest.topic.strip().lower() == pillar.lower()) or (
            _words(rest.topic).strip() and _words(rest.topic, clipped=True) in words
        ):
            return rest
    return None


def hours_of(week: WeekInput, platform: str) -> tuple[str, list[int]]:
    """Where a platform's times come from (model, analytics, strategy) and the learned hours, if any."""
    if week.pref_hours.get(platform):
        return "model", week.pref_hours[platform]
    if week.best_hours.get(platform):
        return "analytics", week.best_hours[platform]
    return "strategy", []


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=n) for n in range(7)]


def platform_times(week: WeekInput, platform: str) -> list[datetime]:
    """The platform's candidate times this week, UTC, sorted (see the module docstring)."""
    tz = ZoneInfo(week.zone)
    first, last = week.week_start, week.week_start + timedelta(days=6)
    _, hours = hours_of(week, platform)
    if hours:
        windows = week.strategy.times.get(platform, [])  # type: ignore[call-overload]
        days = {d for w in windows for d in w.days} or set(DAYS)
        return sorted(
            wall_instant(day, time(hour, 0), tz)
            for day in week_days(first)
            if DAYS[day.weekday()] in days
            for hour in hours[:2]
        )
    times = preferred_slots(week.strategy, platform, first, last, week.zone)  # type: ignore[arg-type]
    return times or [wall_instant(day, DEFAULT_TIME, tz) for day in week_days(first)]


def _local_day(at: datetime, zone: str) -> date:
    return at.astimezone(ZoneInfo(zone)).date()


class _Tally:
    """What the week already holds: per local day, per platform and day, pillars, languages, angles."""

    def __init__(self, zone: str) -> None:
        self.zone = zone
        self.day: Counter[date] = Counter()
        self.platform_day: Counter[tuple[str, date]] = Counter()
        self.platform: Counter[str] = Counter()
        self.pillar: Counter[str] = Counter()
        self.language: Counter[str] = Counter()
        self.angle: Counter[str] = Counter()
        self.times: dict[str, list[datetime]] = {}

    def add(self, platform: str, at: datetime, pillar: str | None, language: str, angle: str | None = None) -> None:
        self.place(platform, at)
        self.fill(pillar, language, angle)

    def place(self, platform: str, at: datetime) -> None:
        day = _local_day(at, self.zone)
        self.day[day] += 1
        self.platform_day[(platform, day)] += 1
        self.platform[platform] += 1
        self.times.setdefault(platform, []).append(at)

    def fill(self, pillar: str | None, language: str, angle: str | None) -> None:
        if pillar:
            self.pillar[pillar] += 1
        self.language[language] += 1
        if angle:
            self.angle[angle] += 1

    def free(self, platform: str, at: datetime) -> bool:
        return all(abs(at - other) >= GAP for other in self.times.get(platform, []))


def _series_time(week: WeekInput, episode: DueSeries, platform: str, tally: _Tally) -> datetime | None:
    if episode.due_at > week.now:
        return episode.due_at
    later = [t for t in platform_times(week, platform) if t > week.now and tally.free(platform, t)]
    return later[0] if later else None  # a missed episode goes at the platform's next time this week


def _pick_times(week: WeekInput, tally: _Tally) -> list[tuple[str, datetime]]:
    chosen: list[tuple[str, datetime]] = []
    rank = {day: n for n, day in enumerate(week.pref_days)}
    options_of = {p: [t for t in platform_times(week, p) if t > week.now] for p in PLATFORMS}
    # the platform with the fewest times chooses first: the freer ones then fill the days it left empty
    for platform in sorted(PLATFORMS, key=lambda p: (len(options_of[p]), PLATFORMS.index(p))):
        need = week.strategy.frequency.get(platform, 0) - tally.platform[platform]
        options = options_of[platform]
        for _ in range(max(need, 0)):
            free = [t for t in options if tally.free(platform, t)]
            if not free:
                break
            best = min(
                free,
                key=lambda t: (
                    tally.day[_local_day(t, week.zone)],
                    tally.platform_day[(platform, _local_day(t, week.zone))],
                    rank.get(DAYS[_local_day(t, week.zone).weekday()], len(DAYS)),
                    t,
                ),
            )
            tally.place(platform, best)  # its pillar and language are counted when it is filled
            chosen.append((platform, best))
    return sorted(chosen, key=lambda item: (item[1], PLATFORMS.index(item[0])))


def quotas(shares: dict[str, float], total: int) -> dict[str, int]:
    """Whole posts per name out of ``total`` by the largest remainder (ties: the order given): 2:1 of 5 is
    3 and 2, never 4 and 1."""
    exact = {name: share * total for name, share in shares.items()}
    out = {name: int(value) for name, value in exact.items()}
    order = list(shares)
    for name in sorted(order, key=lambda n: (-(exact[n] - out[n]), order.index(n)))[: total - sum(out.values())]:
        out[name] += 1
    return out


def _deficits(quota: dict[str, int], counts: Counter[str]) -> dict[str, float]:
    return {name: float(n - counts[name]) for name, n in quota.items()}


def _target(deficits: dict[str, float]) -> str | None:
    if not deficits:
        return None
    order = list(deficits)
    return max(order, key=lambda name: (deficits[name], -order.index(name)))


def _fits(candidate: Candidate, platform: str, tally: _Tally, week: WeekInput, day: date) -> bool:
    if candidate.platform is not None and candidate.platform != platform:
        return False
    if platform in candidate.avoid_platforms:
        return False
    if resting_on(week, candidate.topic, candidate.pillar, day) is not None:
        return False
    return candidate.angle is None or tally.angle[candidate.angle] < MAX_SAME_ANGLE


def allocate(week: WeekInput) -> list[SlotSpec]:
    """The new slots of the week (kept slots and posts already going out are taken as they are)."""
    tally = _Tally(week.zone)
    for busy in week.busy:
        tally.add(busy.platform, busy.at, busy.pillar, busy.language)
    for slot in week.kept:
        tally.add(slot.platform, slot.at, slot.pillar, slot.language, slot.angle)
    specs: list[SlotSpec] = []
    languages = week.strategy.language_shares()
    primary = max(languages, key=lambda code: (languages[code], -list(languages).index(code)))
    for episode in sorted(week.due, key=lambda e: (e.due_at, str(e.series_id), e.episode_number)):
        for platform in episode.platforms:
            if platform not in PLATFORMS:
                continue
            at = _series_time(week, episode, platform, tally)
            if at is None:
                continue
            tally.add(platform, at, episode.pillar, primary)
            specs.append(
                SlotSpec(
                    at=at,
                    local_day=_local_day(at, week.zone),
                    platform=platform,
                    kind="series",
                    topic=f"{episode.name} {episode.label}".strip(),
                    pillar=episode.pillar,
                    language=primary,
                    series_id=episode.series_id,
                    episode_number=episode.episode_number,
                    episode_label=episode.label,
                    occurrence_at=episode.due_at,
                    reason=f"Series {episode.name!r}: episode {episode.label} is due this week.",
                )
            )
    times = _pick_times(week, tally)
    shares = week.strategy.shares()
    total = max(week.strategy.per_week(), len(times) + len(specs) + len(week.kept) + len(week.busy))
    pillar_quota, language_quota = quotas(shares, total), quotas(languages, total)
    used: set[str] = set()
    for platform, at in times:
        day = _local_day(at, week.zone)
        pillar_deficit = _deficits(pillar_quota, tally.pillar)
        language_deficit = _deficits(language_quota, tally.language)
        awake = {k: v for k, v in pillar_deficit.items() if resting_on(week, "", k, day) is None}
        want_pillar, want_language = _target(awake), _target(language_deficit) or "en"
        top = max([d for d in pillar_deficit.values() if d > 0], default=0.0)
        top_language = max([d for d in language_deficit.values() if d > 0], default=0.0)
        eligible = [
            (i, c) for i, c in enumerate(week.candidates) if c.key not in used and _fits(c, platform, tally, week, day)
        ]
        supply_pillar = Counter(c.pillar for _, c in eligible)
        supply_language = Counter(c.language for _, c in eligible)
        best: tuple[float, float, int, Candidate] | None = None
        for index, candidate in eligible:
            bonus = 0.0
            if top > 0 and candidate.pillar in pillar_deficit and pillar_deficit[candidate.pillar] > 0:
                bonus += PILLAR_WEIGHT * pillar_deficit[candidate.pillar] / top
            if top_language > 0 and language_deficit.get(candidate.language, 0) > 0:
                bonus += LANGUAGE_WEIGHT * language_deficit[candidate.language] / top_language
            # ties go to what is needed and scarce (a need few candidates can still meet)
            pressure = max(pillar_deficit.get(candidate.pillar or "", 0.0), 0.0) / supply_pillar[candidate.pillar]
            pressure += max(language_deficit.get(candidate.language, 0.0), 0.0) / supply_language[candidate.language]
            key = (candidate.tier - bonus, -pressure, index, candidate)
            if best is None or key[:3] < best[:3]:
                best = key
        if best is None:
            tally.fill(want_pillar, want_language, None)
            why = f"No ready idea fits: propose one for {want_pillar or 'any pillar'} in {want_language}."
            spec = SlotSpec(at=at, local_day=day, platform=platform, kind="open", pillar=want_pillar, reason=why)
            specs.append(spec.model_copy(update={"language": want_language}))
            continue
        chosen = best[3]
        used.add(chosen.key)
        tally.fill(chosen.pillar, chosen.language, chosen.angle)
        specs.append(
            SlotSpec(
                at=at,
                local_day=day,
                platform=platform,
                kind=chosen.kind,
                topic=chosen.topic,
                pillar=chosen.pillar,
                angle=chosen.angle,
                language=chosen.language,
                idea_id=chosen.idea_id,
                source_post_id=chosen.source_post_id,
                reason=_why(chosen, want_pillar, pillar_deficit),
            )
        )
    return sorted(specs, key=lambda s: (s.at, PLATFORMS.index(s.platform)))


def _why(candidate: Candidate, want_pillar: str | None, deficits: dict[str, float]) -> str:
    idea = "a ready idea" if candidate.tier == 0 else "an idea proposed for the plan (rate it)"
    if candidate.tier != 0 and candidate.source == "trend":
        idea = "an idea made from a trend (rate it)"
    what = {
        "idea": idea,
        "remix": "a remix of a top post of the last 90 days, for another platform",
        "recycle": "a recycle of a top post older than 60 days, with a new angle",
    }[candidate.kind]
    if candidate.pillar and candidate.pillar == want_pillar and deficits.get(candidate.pillar, 0) > 0:
        return f"{what.capitalize()}; {candidate.pillar} is the pillar furthest below its share this week."
    return f"{what.capitalize()}."
