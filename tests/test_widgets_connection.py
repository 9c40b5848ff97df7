"""Connection panel, driven through its real widgets against a real local HTTP server."""

from __future__ import annotations

from catalogue_helpers import said
from conftest import FAKE_KEY
from llm_server import FakeLLMServer, error
from widget_helpers import all_state, assert_safe

import course
from course.i18n import t
from course.widgets import ConnectionPanel, setup

NO_KEY = t("widgets.conn_status_key", masked=t("widgets.conn_key_not_needed"))


def test_starts_offline_and_shows_status():
    panel = setup()
    assert isinstance(panel, ConnectionPanel)
    assert panel.provider.value == "offline"
    assert t("widgets.conn_offline_label") in assert_safe(panel.status_line.value)
    labels = [label for label, _ in panel.provider.options]
    assert labels[0] == t("widgets.conn_offline_label")
    assert labels[-1] == t("widgets.conn_custom_label")
    assert {p.label for p in course.PROVIDERS.values()} <= set(labels)
    assert panel.base_url.layout.display == "none"


def test_display_protocol_shows_the_box():
    panel = setup()
    bundle = panel._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == panel.ui.model_id


def test_apply_clears_key_and_test_reaches_server(llm_server):
    panel = setup()
    panel.provider.value = "custom"
    assert panel.base_url.layout.display is None
    panel.base_url.value = llm_server.base_url
    panel.model.value = "qwen-thu"
    panel.key.value = FAKE_KEY
    panel.apply_button.click()
    assert panel.key.value == ""
    assert FAKE_KEY not in all_state(panel.ui)
    st = course.status()
    assert st["backend"] == "openai" and st["model"] == "qwen-thu"
    status = assert_safe(panel.status_line.value)
    assert "…WXYZ" in status and FAKE_KEY not in status
    course.configure(max_retries=0)
    panel.test_button.click()
    assert "qwen-thu" in assert_safe(panel.message.value)
    assert "color:#1b5e20" in panel.message.value
    sent = llm_server.requests[-1]
    assert sent["headers"]["authorization"] == f"Bearer {FAKE_KEY}"
    assert sent["body"]["model"] == "qwen-thu"
    assert not any(b.disabled for b in panel._buttons)


def test_failed_test_is_red_vietnamese_and_keyless(llm_server):
    llm_server.push(error(401, "invalid_api_key", f"Incorrect API key provided: {FAKE_KEY}"))
    panel = setup()
    panel.provider.value = "custom"
    panel.base_url.value = llm_server.base_url
    panel.model.value = "m"
    panel.key.value = FAKE_KEY
    ok, msg = panel.test()  # applies the typed key first, then tests
    assert ok is False and msg
    assert panel.key.value == ""
    shown = assert_safe(panel.message.value)
    assert "color:#b00020" in panel.message.value
    assert FAKE_KEY not in shown and FAKE_KEY[-12:] not in shown
    assert "khóa" in shown.lower()
    assert "Traceback" not in shown


def test_named_provider_without_key_is_refused_and_nothing_changes():
    panel = setup()
    panel.provider.value = "openai"
    panel.apply_button.click()
    assert said("widgets.conn_need_key", assert_safe(panel.message.value), provider="OpenAI")
    assert course.status()["backend"] == "offline"


def test_custom_without_url_is_refused():
    panel = setup()
    panel.provider.value = "custom"
    panel.base_url.value = "localhost:11434"
    panel.key.value = FAKE_KEY
    assert panel.apply() is False
    assert "http://" in assert_safe(panel.message.value)
    assert panel.key.value == ""
    assert course.status()["backend"] == "offline"


def test_local_provider_needs_no_key_and_offline_button_returns(llm_server):
    panel = setup()
    panel.provider.value = "ollama"
    assert t("widgets.conn_hint_local") in assert_safe(panel.hint.value)
    assert panel.apply() is True
    assert course.status()["provider"] == "ollama"
    assert NO_KEY in assert_safe(panel.status_line.value)
    panel.offline_button.click()
    assert course.status()["backend"] == "offline"
    assert panel.provider.value == "offline"
    assert t("widgets.conn_offline_on") in assert_safe(panel.message.value)


def test_panel_reopens_on_current_connection(llm_server):
    course.configure(base_url=llm_server.base_url, api_key=FAKE_KEY, model="m1")
    panel = setup()
    assert panel.provider.value == "custom"
    assert panel.base_url.value == llm_server.base_url
    assert panel.model.value == "m1"
    assert panel.key.value == ""


def test_key_never_travels_to_another_server(llm_server):
    other = FakeLLMServer().start()
    try:
        panel = setup()
        panel.provider.value = "custom"
        panel.base_url.value = llm_server.base_url
        panel.model.value = "m"
        panel.key.value = FAKE_KEY
        assert panel.apply()
        panel.model.value = "m2"  # same server, no key typed: the key in memory is kept
        assert panel.test()[0]
        assert llm_server.requests[-1]["headers"]["authorization"] == f"Bearer {FAKE_KEY}"
        panel.base_url.value = other.base_url  # another server, no key typed
        assert panel.apply()
        panel.test()
        sent = other.requests[-1]["headers"]["authorization"]
        assert FAKE_KEY not in sent and sent == "Bearer not-needed"
        assert NO_KEY in assert_safe(panel.status_line.value)
        panel.provider.value = "openai"  # a cloud provider without a key is refused
        assert panel.apply() is False
        assert said("widgets.conn_need_key", assert_safe(panel.message.value), provider="OpenAI")
        assert course.status()["base_url"] == other.base_url
    finally:
        other.stop()


def test_each_field_is_shown_or_hidden_on_its_own():
    panel = setup()
    hidden = {"offline": {"base_url", "model", "key"}, "openai": {"base_url"},
              "ollama": {"base_url"}, "custom": set()}
    for choice, expected in hidden.items():
        panel.provider.value = choice
        now = {n for n in ("base_url", "model", "key")
               if getattr(panel, n).layout.display == "none"}
        assert now == expected, choice
    panel.provider.value = "openai"
    assert "gpt-4o-mini" in panel.model.placeholder


def test_spending_shows_small_amounts(llm_server):
    course.configure(base_url=llm_server.base_url, api_key=FAKE_KEY, max_retries=0)
    course.ask("Xin chào")
    panel = setup()
    spent = course.status()["spent_vnd"]
    assert 0 < spent < 1
    assert t("widgets.conn_status_spent", spent="0,") in assert_safe(panel.status_line.value)


def test_test_button_checks_what_the_form_shows(llm_server):
    panel = setup()
    panel.provider.value = "custom"
    panel.base_url.value = llm_server.base_url
    panel.model.value = "mo-hinh-may-chu"
    panel.test_button.click()  # no "Áp dụng" first
    assert llm_server.requests[-1]["body"]["model"] == "mo-hinh-may-chu"
    assert course.status()["base_url"] == llm_server.base_url
    panel.provider.value = "offline"
    ok, _ = panel.test()
    assert ok and course.status()["backend"] == "offline"
