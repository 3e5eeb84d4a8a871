"""Reading the pages as a browser does, for the locustfile (standard library only): the values
a form would send, the CSRF token, the link to the next page."""

import html
import re
from html.parser import HTMLParser

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEXT_LINK = re.compile(r'<a\b[^>]*\brel="next"[^>]*>')
HREF = re.compile(r'\bhref="([^"]+)"')


class FormParser(HTMLParser):
    """Every ``<form>`` of a page with the values a browser would send: inputs (checkboxes and
    radios when checked; no buttons or files), textareas, selects (the selected option, else
    the first)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""
        elif tag == "select":
            self._select = {"name": a["name"], "first": None, "chosen": None}

    def _option(self, a):
        value = a.get("value") or ""
        if self._select["first"] is None:
            self._select["first"] = value
        if "selected" in a:
            self._select["chosen"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            fields = self._form["fields"]
            # A browser drops the newline right after <textarea> (Django writes one).
            fields[self._textarea] = fields[self._textarea].removeprefix("\r\n").removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            chosen = s["chosen"] if s["chosen"] is not None else s["first"]
            self._form["fields"][s["name"]] = chosen or ""
            self._select = None
        elif tag == "form":
            self._form = None


def post_form(page, needed):
    """The fields of the page's POST form that has the field ``needed`` (None: no such form)."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if needed in form["fields"]:
            return form["fields"]
    return None


def next_page(page):
    """The page's own link to its next page (``<a href=… rel="next">``), None on the last."""
    link = NEXT_LINK.search(page)
    href = HREF.search(link.group(0)) if link else None
    return html.unescape(href.group(1)) if href else None
