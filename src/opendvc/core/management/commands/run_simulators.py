"""Start the peers' simulators for a demo: ``manage.py run_simulators [name …]``.

Each app that talks to a peer registers its simulator in its ``simulators`` module
(``opendvc.core.simulators.register``). The command starts them on their fixed ports and prints the
environment variables that point the portal at them; ``POST /_switches`` on a simulator turns its
faults on and off (see ``opendvc.core.simulators``).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from opendvc.core.simulators import REGISTRY


class Command(BaseCommand):
    help = (
        "Start the simulators of the national portal, gateways, post, registries and SMS provider."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "names", nargs="*", help="Simulators to start (all when none is named)."
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--list", action="store_true", help="List the simulators and exit.")

    def handle(self, *args, names, host, list, **options):
        autodiscover_modules("simulators")
        if list:
            for entry in sorted(REGISTRY.values(), key=lambda e: e.name):
                self.stdout.write(f"{entry.name:<20} port {entry.port:<6} {entry.help}")
            return
        unknown = sorted(set(names) - set(REGISTRY))
        if unknown:
            raise CommandError(
                f"Unknown simulator(s): {', '.join(unknown)}. Known: {', '.join(sorted(REGISTRY))}"
            )
        chosen = [REGISTRY[name] for name in (names or sorted(REGISTRY))]
        if not chosen:
            raise CommandError("No simulator is registered.")
        running = []
        for entry in chosen:
            simulator = entry.factory(host=host, port=entry.port).start()
            running.append(simulator)
            self.stdout.write(self.style.SUCCESS(f"{entry.name}: {simulator.url}"))
            for key, value in entry.settings(simulator.url).items():
                self.stdout.write(f"    {key}={value}")
        self.stdout.write('Faults: POST /_switches with JSON, e.g. {"down": true}. Ctrl-C stops.')
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            for simulator in running:
                simulator.stop()
