from django.core.management.base import BaseCommand, CommandError

from audit import chain
from audit.models import AuditEvent, ChainHead


class Command(BaseCommand):
    help = ("Seal pending audit events, then verify the whole hash chain; exits non-zero at the first break. Prints "
            "the chain head: kept outside the database (a log, a ticket), it also shows a later restore of an older, "
            "genuine state of the whole log, which nothing inside the database can.")

    def handle(self, *args, **options):
        broken = chain.verify()
        if broken is not None:
            where = f"event {broken.event_id}" if broken.event_id else "chain head"
            seq = f" (sequence {broken.seq})" if broken.seq is not None else ""
            raise CommandError(f"Audit chain broken at {where}{seq}: {broken.reason}")
        sealed = chain.seal(wait=True)
        broken = chain.verify()
        if broken is not None:
            raise CommandError(f"Audit chain broken at event {broken.event_id}: {broken.reason}")

        count = AuditEvent.objects.count()
        head = ChainHead.objects.filter(pk=1).first()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events ({sealed} newly sealed)."))
        if head is not None:
            self.stdout.write(f"Chain head: sequence {head.last_seq}, HMAC {head.mac}")
