"""The outboxes whose rows a committed transaction hands to the job queue.

- webhook deliveries (`kontera.services.ops.webhooks.connect_outbox`);
- attestation e-mails (`kontera.store.mail_outbox`): one send task per mail, retried by Huey
  when the SMTP server fails, and a schedule on which the first consumer of each round makes
  the day's reminders and queues every mail that is due (retries, and any whose task was
  lost) — `kontera.services.attest.reminders.run_schedule`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from huey import Huey
from huey.exceptions import RetryTask

from kontera.domain.errors import TransientError
from kontera.services.attest import mail as attest_mail
from kontera.services.attest import reminders as attest_reminders
from kontera.services.context import AppContext
from kontera.services.ops import webhooks
from kontera.store import mail_outbox
from kontera.store.types import utcnow


def connect(huey: Huey, ctx: AppContext, get_ctx: Callable[[], AppContext]) -> None:
    """Committed rows of both outboxes go to `huey`; tasks run with `get_ctx()`."""
    webhooks.connect_outbox(ctx)
    send = huey.task(name="send_attest_mail")(lambda mail_id: _send_or_retry(get_ctx(), mail_id))
    minutes = ctx.settings.attest_mail_interval_minutes
    if minutes > 0:
        huey.periodic_task(lambda moment: _minute(moment) % minutes == 0, name="attest_mail")(
            lambda: _attest_mail_once_per_round(huey, get_ctx(), minutes, send)
        )
    mail_outbox.set_dispatcher(ctx.engine, send)


def _send_or_retry(ctx: AppContext, mail_id: str) -> str:
    """One attempt at an attestation e-mail; an SMTP server that is down is tried again."""
    try:
        return attest_mail.send(ctx, mail_id)
    except TransientError as e:
        raise RetryTask(e.message, delay=e.retry_after or 60.0) from None


def _attest_mail_once_per_round(
    huey: Huey, ctx: AppContext, minutes: int, send: Callable[[str], object]
) -> int:
    """Every consumer wakes up; the first of each round runs the schedule, the rest skip."""
    round_number = _minute(utcnow()) // minutes
    if not huey.put_if_empty(f"attest_mail:{round_number}", "1"):
        return 0
    huey.delete(f"attest_mail:{round_number - 1}")
    return attest_reminders.run_schedule(ctx, send)


def _minute(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # Huey passes naive UTC
    return int(aware.timestamp() // 60)
