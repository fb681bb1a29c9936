"""Factories for feedback items, with a trait per state."""

from __future__ import annotations

import factory

from opendvc.feedback.models import Channel, Feedback, Kind


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    channel = Channel.WEB
    kind = Kind.COMPLAINT
    sender_name = "Lê Thị Hoa"
    sender_phone = "0912345678"
    sender_email = factory.Sequence(lambda n: f"hoa{n}@example.vn")
    subject = factory.Sequence(lambda n: f"Phản ánh thử nghiệm {n}")
    content = "Nội dung phản ánh về thời gian giải quyết hồ sơ."
    code = factory.Sequence(lambda n: f"PA-20261130-{n:06d}")
