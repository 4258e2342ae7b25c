// The PDA app: the person, action, item and place stay between scans (this device only); a
// hardware scanner types the label into the code field and its Enter records the scan; the
// camera reads a label with the browser's BarcodeDetector where there is one, otherwise with
// the vendored zxing-wasm reader (loaded only then: it is 1 MB).
(function () {
  "use strict";
  const form = document.getElementById("scan");
  const code = document.getElementById("code");
  const kept = form.querySelectorAll("[data-keep]");
  kept.forEach((field) => {
    const saved = localStorage.getItem("pda-" + field.name);
    if (saved !== null) field.value = saved;
    field.addEventListener("change", () => localStorage.setItem("pda-" + field.name, field.value));
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "result") return;
    if (event.detail.target.querySelector("[data-result=recorded]")) {
      ["code", "lot", "expires", "weight", "tare", "temp", "probe"].forEach((name) => {
        form.elements[name].value = "";
      });
    }
    code.focus();
  });

  const ZXING = "/static/vendor/zxing-wasm-3.1.8/";
  const FORMATS = ["code_128", "data_matrix", "qr_code", "ean_13", "ean_8", "upc_a"];
  const button = document.getElementById("camera");
  const video = document.getElementById("viewfinder");
  let stream = null;

  function loadZxing() {
    return new Promise((resolve, reject) => {
      if (window.ZXingWASM) return resolve(window.ZXingWASM);
      const script = document.createElement("script");
      script.src = ZXING + "zxing-reader.js";
      script.onload = () => {
        window.ZXingWASM.prepareZXingModule({
          overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? ZXING + path : prefix + path) },
        });
        resolve(window.ZXingWASM);
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  async function reader() {
    if ("BarcodeDetector" in window) {
      const detector = new window.BarcodeDetector({ formats: FORMATS });
      return async (frame) => {
        const found = await detector.detect(frame);
        return found.length ? found[0].rawValue : null;
      };
    }
    const zxing = await loadZxing();
    const canvas = document.createElement("canvas");
    return async (frame) => {
      canvas.width = frame.videoWidth;
      canvas.height = frame.videoHeight;
      const context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(frame, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = await zxing.readBarcodes(image, { tryHarder: true, maxNumberOfSymbols: 1 });
      const valid = found.find((r) => r.isValid);
      return valid ? (valid.symbologyIdentifier || "") + valid.text : null;
    };
  }

  function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    button.textContent = button.dataset.start;
  }

  button.dataset.start = button.textContent;
  button.addEventListener("click", async () => {
    if (stream) return stop();
    try {
      const read = await reader();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      button.textContent = button.dataset.stop;
      while (stream) {
        const text = video.readyState >= 2 ? await read(video) : null;
        if (text) {
          code.value = text;
          stop();
          code.focus();
          return;
        }
        await new Promise((wait) => setTimeout(wait, 150));
      }
    } catch (error) {
      stop();
      button.textContent = button.dataset.none;
    }
  });
})();
