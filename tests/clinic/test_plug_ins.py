"""Shared pages find each phase's part by module name, in INSTALLED_APPS order, with no wiring
in AppConfig.ready() (kapclinic/clinic/plugins.py)."""

from kapclinic.clinic import badges, home, plugins, timeline


def modules(registry):
    return [source.__module__ for source in registry._sources]


def test_every_apps_timeline_module_adds_its_entries_to_the_chart():
    assert modules(timeline) == [
        "kapclinic.reminders.timeline",
        "intake.timeline",
        "sessions.timeline",
        "integration.timeline",
    ]


def test_every_apps_home_module_adds_its_tasks_consent_first():
    assert modules(home) == ["intake.home", "integration.home", "kapclinic.calendar.home"]


def test_every_apps_badges_module_adds_its_course_badges():
    assert modules(badges) == ["intake.badges"]


def test_discovering_again_adds_nothing_twice():
    before = [modules(timeline), modules(home), modules(badges)]
    plugins.discover()
    assert [modules(timeline), modules(home), modules(badges)] == before
