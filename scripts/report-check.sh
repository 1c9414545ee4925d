#!/usr/bin/env bash
# Renders a report page in headless Chromium at a phone's width (400 px) and a desktop's (1400 px)
# and checks what a reader would see: no chart wider than the window, no page wider than the
# window, no console message (the page has no script of its own, so any is an error).
#
#   scripts/report-check.sh REPORT.html [SHOTS_DIR]
#
# Prints one line per width (`400: charts=8 width=385 OK`) and, with SHOTS_DIR, writes a
# screenshot per width there. Exits 1 on a problem, 2 when Chromium is not installed.
set -uo pipefail
report=$(realpath "$1"); shots=${2:-}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "report-check: Chromium is not installed (Debian: apt-get install chromium)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of the page with a measuring script appended; it reports to the page that frames it.
python3 - "$report" "$work/check.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>
window.addEventListener('load', function () {
  var w = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > w + 1) {
    // The element whose own content is wider than it, outside any scrolling box (a long word, say).
    var culprit = '';
    document.querySelectorAll('body *').forEach(function (e) {
      if (!culprit && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && getComputedStyle(e).overflowX === 'visible'
          && !(e.parentElement && e.parentElement.closest('.scroll')))
        culprit = ' (in <' + e.tagName.toLowerCase() + '> "' + (e.textContent || '').trim().slice(0, 50) + '")';
    });
    bad.push('the page is ' + document.documentElement.scrollWidth + ' px wide' + culprit);
  }
  var charts = document.querySelectorAll('svg');
  charts.forEach(function (s, i) {
    var r = s.getBoundingClientRect();
    if (r.right > w + 1 || r.left < -1) bad.push('chart ' + (i + 1) + ' spans ' + Math.round(r.left) + '-' + Math.round(r.right) + ' px');
  });
  var text = 'charts=' + charts.length + ' width=' + w + ' ' + (bad.length ? 'OVERFLOW: ' + bad.join('; ') : 'OK');
  window.parent.postMessage(text, '*');
});
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe + "</body>", 1))
PY
status=0
for width in 400 1400; do
  cat > "$work/frame-$width.html" <<EOF
<!DOCTYPE html><html><body style="margin:0"><iframe src="check.html" style="width:${width}px;height:900px;border:0"></iframe>
<pre id="layout-check">no answer from the page</pre>
<script>window.addEventListener('message', function (e) { document.getElementById('layout-check').textContent = e.data; });</script>
</body></html>
EOF
  # The frame is what is measured (a headless window is never narrower than ~500 px).
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --allow-file-access-from-files --window-size=1500,1000 \
    --virtual-time-budget=5000 --enable-logging=stderr --v=0 --dump-dom "file://$work/frame-$width.html" \
    > "$work/dom-$width.html" 2> "$work/log-$width.txt"
  line=$(grep -o '<pre id="layout-check">[^<]*' "$work/dom-$width.html" | sed 's/<pre id="layout-check">//')
  console=$(grep -E 'CONSOLE\(' "$work/log-$width.txt" | grep -v 'frame-' | head -3)
  echo "$width: ${line:-no answer from Chromium}${console:+ CONSOLE: $console}"
  case "$line" in *" OK") ;; *) status=1 ;; esac
  [ -n "$console" ] && status=1
  if [ -n "$shots" ]; then
    mkdir -p "$shots"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,2400" \
      --screenshot="$(realpath "$shots")/$(basename "$report" .html)-$width.png" "file://$report" >/dev/null 2>&1
  fi
done
exit $status
