/* Shares beside the fields of a section form (quota of severely disabled staff, own
 * contribution, share of the investment), recomputed as the user types.
 *
 * Progressive enhancement: the server renders the same figure when the page loads
 * (applications/presenters.py, ``shares``); this script only keeps it current. It is a local
 * file loaded by the section form page alone, with no inline script, under a strict CSP.
 *
 * Numbers are read as the server reads them (funding/numbers.py, ``parse_decimal``), simply:
 * the decimal sign follows the page's language (German "1.234,56", English "1,234.56"), at
 * most once; digit groups of three, separated by the language's thousands separator or a
 * space (one kind per number); spaces at the ends, a leading "+", the unit of the amounts
 * ("€" before or after) and a German ",-" are tolerated; extra decimals only when they are zeros
 * and the number is not ambiguous ("20,000" in German). Whatever the server would refuse or
 * question (the other language's decimal sign, a minus, letters) shows no share at all.
 * The share is rounded to one decimal, half to even, like ``applications.models.share``.
 */
(function () {
  "use strict";

  if (typeof BigInt !== "function") {
    return; // an old browser keeps the figures the server rendered
  }

  var english = (document.documentElement.lang || "").toLowerCase().indexOf("en") === 0;
  var DECIMAL = english ? "." : ",";
  var THOUSANDS = english ? "," : ".";
  var SPACES = /[ \u00a0\u202f\u2009\u2007]+/g;
  var DIGITS = /^[0-9]*$/;
  var SCALE = 6; // every number as an integer of millionths: exact, whatever its places
  var ZERO = BigInt(0);

  function grouped(whole) {
    // "1.234.567" or "1 234 567": one kind of mark, groups of three after 1 to 3 digits.
    var marks = whole.replace(/[0-9]/g, "");
    var mark = marks.charAt(0);
    if (marks.split(mark).join("") !== "" || (mark !== THOUSANDS && mark !== " ")) {
      return null;
    }
    var parts = whole.split(mark);
    if (!/^[0-9]{1,3}$/.test(parts[0])) {
      return null;
    }
    for (var i = 1; i < parts.length; i += 1) {
      if (!/^[0-9]{3}$/.test(parts[i])) {
        return null;
      }
    }
    return parts.join("");
  }

  // {whole, fraction} digit strings of text as the page's language writes numbers, or null.
  function readLocal(text) {
    text = text.replace(SPACES, " ").trim();
    if (text.slice(-1) === "€") {
      text = text.slice(0, -1).trim();
    }
    if (text.charAt(0) === "+") {
      text = text.slice(1).trim();
    }
    if (text.charAt(0) === "€") {
      text = text.slice(1).trim();
    }
    [DECIMAL + "--", DECIMAL + "-", DECIMAL + "\u2013"].some(function (ending) {
      if (text.length > ending.length && text.slice(-ending.length) === ending) {
        text = text.slice(0, -ending.length);
        return true;
      }
      return false;
    });
    var pieces = text.split(DECIMAL);
    if (pieces.length > 2) {
      return null;
    }
    var whole = pieces[0];
    var fraction = pieces.length === 2 ? pieces[1] : "";
    if (!DIGITS.test(fraction) || (!whole && !fraction)) {
      return null;
    }
    if (!DIGITS.test(whole)) {
      whole = grouped(whole);
      if (whole === null) {
        return null;
      }
    }
    var lone = new RegExp("^[0-9]{1,3}[" + "\\" + DECIMAL + "\\" + THOUSANDS + "][0-9]{3}$");
    return { whole: whole || "0", fraction: fraction, ambiguous: lone.test(text) };
  }

  // {whole, fraction} of a number as the browser or the server writes it ("1234.56").
  function readCanonical(text) {
    var match = /^([0-9]+)(?:\.([0-9]+))?$/.exec((text || "").trim());
    return match ? { whole: match[1], fraction: match[2] || "", ambiguous: false } : null;
  }

  // The number in millionths, if it has no more decimals than the field takes (extra zeros
  // only where the number is not ambiguous), else null.
  function scaled(number, places) {
    if (number === null) {
      return null;
    }
    var fraction = number.fraction;
    if (fraction.length > places) {
      if (number.ambiguous || /[^0]/.test(fraction.slice(places))) {
        return null;
      }
      fraction = fraction.slice(0, places);
    }
    if (fraction.length > SCALE) {
      return null;
    }
    while (fraction.length < SCALE) {
      fraction += "0";
    }
    return BigInt(number.whole + fraction);
  }

  function read(input, places) {
    if (!input) {
      return null;
    }
    // A number input hands over its value canonically ("" when the browser cannot read it).
    var number = input.type === "number" ? readCanonical(input.value) : readLocal(input.value);
    return scaled(number, places);
  }

  // part / whole in tenths of a per cent, rounded half to even; null without a whole.
  function tenths(part, whole) {
    if (part === null || whole === null || whole <= ZERO) {
      return null;
    }
    var two = BigInt(2);
    var numerator = part * BigInt(1000);
    var quotient = numerator / whole;
    var twice = (numerator % whole) * two;
    if (twice > whole || (twice === whole && quotient % two !== ZERO)) {
      quotient += BigInt(1);
    }
    return quotient;
  }

  // "12,5 %" (German) or "12.5 %" (English), never grouped: as the server writes it.
  function format(value) {
    var digits = value.toString();
    var units = digits.length > 1 ? digits.slice(0, -1) : "0";
    return units + DECIMAL + digits.slice(-1) + "\u00a0%";
  }

  function update(box) {
    var part = read(document.getElementById(box.dataset.part), Number(box.dataset.partPlaces));
    var whole = box.dataset.whole
      ? read(document.getElementById(box.dataset.whole), Number(box.dataset.wholePlaces))
      : scaled(readCanonical(box.dataset.wholeValue), Number(box.dataset.wholePlaces));
    var value = tenths(part, whole);
    var holder = box.querySelector(".share-value");
    var output = box.querySelector("output");
    if (!holder || !output) {
      return;
    }
    output.textContent = value === null ? "" : format(value);
    holder.hidden = value === null;
  }

  function watch(box) {
    [box.dataset.part, box.dataset.whole].forEach(function (id) {
      var input = id ? document.getElementById(id) : null;
      if (input) {
        input.addEventListener("input", function () {
          update(box);
        });
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("p.share[data-part]"), function (box) {
    if (box.dataset.whole || box.dataset.wholeValue !== undefined) {
      watch(box);
    }
  });
})();
