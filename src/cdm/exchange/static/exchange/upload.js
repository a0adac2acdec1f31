/* Progressive enhancement of the upload form: show the upload's progress, then go to the import's page. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    var bar = document.getElementById("upload-progress"), status = document.getElementById("upload-status");
    var xhr = new XMLHttpRequest();
    var sent = form.action || window.location.href;
    bar.hidden = false;
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); } };
    xhr.upload.onload = function () { bar.removeAttribute("value"); status.textContent = form.dataset.received; };
    xhr.onload = function () {
      // Accepted: the server answered with the import's own page (a redirection), whose address is kept.
      if (xhr.status === 200 && xhr.responseURL && xhr.responseURL !== sent) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.open("POST", sent);
    xhr.send(new FormData(form));
  });
})();
