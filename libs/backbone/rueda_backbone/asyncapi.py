"""A plain HTML page of an AsyncAPI 3.0 document (no scripts, no CDN), served
by every service at `/docs/events` and committed beside the JSON in docs/api."""

from __future__ import annotations

import html
import json


def render_html(doc: dict, json_href: str | None = None) -> str:
    """A plain, self-contained page of the document (no scripts, no CDN)."""

    def esc(value) -> str:
        return html.escape(str(value))

    rows = []
    for key, operation in doc["operations"].items():
        channel = doc["channels"][operation["channel"]["$ref"].rsplit("/", 1)[1]]
        rows.append(
            f"<section id='{esc(key)}'><h2>{esc(operation['action'])}: "
            f"{esc(channel['title'])}</h2><p>{esc(operation['summary'])}</p>"
        )
        for ref in operation["messages"]:
            message = doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[1]]
            payload = message["payload"]["properties"]["payload"]
            fields = "".join(
                f"<tr><td><code>{esc(name)}</code></td>"
                f"<td>{esc(prop.get('type', prop.get('format', '')))}</td>"
                f"<td>{'yes' if name in payload.get('required', []) else ''}</td>"
                f"<td>{esc(prop.get('description', ''))}</td></tr>"
                for name, prop in payload.get("properties", {}).items()
            )
            example = json.dumps(
                message.get("examples", [{}])[0].get("payload", {}), indent=2, ensure_ascii=False
            )
            rows.append(
                f"<h3>{esc(message['title'])}</h3><p>{esc(message['summary'])}</p>"
                f"<table><thead><tr><th>field</th><th>type</th><th>required</th>"
                f"<th>about</th></tr></thead><tbody>{fields}</tbody></table>"
                f"<details><summary>example</summary><pre>{esc(example)}</pre></details>"
            )
        rows.append("</section>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(doc['info']['title'])}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;"
        "padding:.25rem .5rem;text-align:left;vertical-align:top}"
        "pre{background:#f5f5f5;padding:.5rem;overflow:auto}</style></head><body>"
        f"<h1>{esc(doc['info']['title'])}</h1><p>{esc(doc['info']['description'])}</p>"
        f"<p>AsyncAPI {esc(doc['asyncapi'])}, version {esc(doc['info']['version'])}: "
        f"<a href='{esc(json_href or doc['id'].split(':')[-1] + '.asyncapi.json')}'>JSON</a></p>"
        + "".join(rows)
        + "</body></html>\n"
    )
