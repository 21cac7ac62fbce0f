"""`rekisteri demo --no-tui`: a demo folder the other commands can be pointed at."""

import json
import mailbox

from cli.main import main


def test_the_demo_folder_holds_a_register_an_inbox_and_an_outbox(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "demo"
    assert main(["demo", "--no-tui", "--dir", str(folder), "--customers", "300"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    environment = dict(line.split("=", 1) for line in lines)
    assert environment == {
        "REKISTERI_CONFIG": f"{folder}/rekisteri.toml",
        "REKISTERI_DB": f"sqlite://{folder}/rekisteri.db",
        "REKISTERI_INBOX": f"maildir://{folder}/inbox",
        "REKISTERI_SMTP": f"outbox://{folder}/outbox",
    }
    assert len(mailbox.Maildir(folder / "inbox", create=False)) >= 12
    assert (folder / "outbox").is_dir()
    assert (folder / "import" / "ticketing.csv").is_file()

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["customers", "list", "--json"]) == 0
    customers = json.loads(capsys.readouterr().out)
    assert len(customers) == 300
    assert {"ticketing", "newsletter"} <= {s for c in customers for s in c["sources"]}
    assert any(c["marketing_consent"] for c in customers)
    assert main(["staff", "list", "--json"]) == 0
    assert {s["name"] for s in json.loads(capsys.readouterr().out)} == {"demo", "admin"}
    assert main(["audit", "verify"]) == 0

    # Backups work on the demo as documented: made, listed, verified.
    assert main(["backup", "create"]) == 0
    capsys.readouterr()
    assert main(["backup", "list", "--json"]) == 0
    (made,) = json.loads(capsys.readouterr().out)
    assert made["status"] == "ok" and made["path"].startswith(str(folder / "backups"))
    assert main(["backup", "verify", made["path"]]) == 0


def test_running_the_demo_again_reuses_the_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "demo"
    assert main(["demo", "--no-tui", "--dir", str(folder), "--customers", "50"]) == 0
    for line in capsys.readouterr().out.split():
        monkeypatch.setenv(*line.split("=", 1))
    messages = len(mailbox.Maildir(folder / "inbox", create=False))
    assert main(["demo", "--no-tui", "--dir", str(folder), "--customers", "50"]) == 0
    assert "--reset" in capsys.readouterr().err
    assert len(mailbox.Maildir(folder / "inbox", create=False)) == messages
    assert main(["customers", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 50


def test_the_demo_form_mail_comes_from_the_website_and_is_read_as_the_form(
    tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "demo"
    assert main(["demo", "--no-tui", "--dir", str(folder), "--customers", "50"]) == 0
    for line in capsys.readouterr().out.split():
        monkeypatch.setenv(*line.split("=", 1))
    assert main(["mailbot", "--once"]) == 0
    capsys.readouterr()
    assert main(["messages", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) >= 12
    from store.models import InboundMessage, Request

    [form] = [m for m in InboundMessage.select() if m.form_fields]
    assert form.from_address == "lomake@kotkanleffat.fi"
    assert Request.get_by_id(form.request_id).channel == "website_form"
