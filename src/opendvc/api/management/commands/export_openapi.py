import json

from django.core.management.base import BaseCommand

from opendvc.api.main import api


class Command(BaseCommand):
    help = "In tài liệu OpenAPI của API /api/v1 (được lưu tại docs/openapi.json)."

    def handle(self, *args, **options):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        self.stdout.write(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True))
