/* Progressive enhancement of the upload form: show the upload's progress, then the server's work. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    var bar = document.getElementById("upload-progress"), status = document.getElementById("upload-status");
    var xhr = new XMLHttpRequest();
    bar.hidden = false;
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); } };
    xhr.upload.onload = function () { bar.removeAttribute("value"); status.textContent = form.dataset.received; };
    xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
    xhr.open("POST", form.action || window.location.href);
    xhr.send(new FormData(form));
  });
})();
