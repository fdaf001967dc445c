"""The shape shared by every state machine (lead stages, project statuses, 对上争取 statuses).

A model writes its allowed moves once, as data, and wraps them in a ``Workflow``::

    TRANSITIONS: dict[Stage, frozenset[Stage]] = {Stage.COLLECT: frozenset({Stage.SCREEN}), …}
    WORKFLOW = Workflow(Stage, TRANSITIONS, pipeline=(Stage.COLLECT, …), noun=_("阶段"))

The workflow answers what the table says (``allowed``, ``targets``, ``is_forward``,
``is_backward``, the one-step ``forward`` / ``backward`` maps) and words the refusals every
machine shares (unknown state, a skipped step, a move the table lacks). What a move needs
beyond the table (a credit code, a rating, a date, a reason) is each app's business rule and
stays in its own module (``leads.pipeline``, ``projects.rules``). ``choices_check`` derives the
database's check constraint from the enum, so the two cannot drift.
"""

from collections.abc import Mapping, Sequence

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _


def choices_check(field: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    """The constraint that keeps ``field`` to the values of ``choices``.

    Named ``<app_label>_<model>_<field>_valid``. A nested class body cannot see the model's
    names, so the enum a ``Meta`` passes here is defined at module level (``Lead.Stage`` is
    ``LeadStage``).
    """
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )


class Workflow:
    """A state machine as data: its states, allowed moves and main line (``pipeline``).

    ``pipeline`` is the ordered main line (collect → screen → dock → serve); states off it
    (dropped, stalled, rejected …) are reached and left only as the table says. ``noun`` names
    a state in messages (阶段, 状态).
    """

    def __init__(
        self,
        states: type[models.TextChoices],
        transitions: Mapping[str, frozenset[str]],
        *,
        pipeline: Sequence[str],
        noun: str,
    ) -> None:
        self.states = states
        self.transitions = transitions
        self.pipeline = tuple(pipeline)
        self.noun = noun
        # One step along the main line, each way.
        self.forward = dict(zip(self.pipeline, self.pipeline[1:], strict=False))
        self.backward = {later: earlier for earlier, later in self.forward.items()}

    def allowed(self, current: str, to: str) -> bool:
        """Whether the table has the move ``current`` → ``to``."""
        return to in self.transitions.get(current, frozenset())

    def targets(self, current: str) -> list[models.TextChoices]:
        """The states (enum members) the table allows from ``current``, in the enum's order."""
        allowed = self.transitions.get(current, frozenset())
        return [state for state in self.states if state in allowed]

    def _position(self, state: str) -> int | None:
        return self.pipeline.index(state) if state in self.pipeline else None

    def is_forward(self, current: str, to: str) -> bool:
        """A move up the main line (one step or more)."""
        here, there = self._position(current), self._position(to)
        return here is not None and there is not None and there > here

    def is_backward(self, current: str, to: str) -> bool:
        """A move down the main line (one step or more)."""
        here, there = self._position(current), self._position(to)
        return here is not None and there is not None and there < here

    def refusal(self, current: str, to: str) -> str | None:
        """Why the table refuses ``current`` → ``to`` (in the user's language), or ``None``.

        A refused move to a state on the main line is a skipped step: the main line is walked
        one state at a time (a lead dropped or a project terminated restarts at its beginning).
        """
        if to not in self.states.values:
            return _("未知的%(noun)s：%(state)s。") % {"noun": self.noun, "state": to}
        if self.allowed(current, to):
            return None
        names = {"from": self.states(current).label, "to": self.states(to).label}
        if to in self.pipeline:
            return _("不能从「%(from)s」直接移到「%(to)s」：%(noun)s必须逐级推进，不能跳过。") % {
                **names,
                "noun": self.noun,
            }
        return _("不能从「%(from)s」移到「%(to)s」。") % names
