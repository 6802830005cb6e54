// The 3D preview of an uploaded design, loaded only when the customer asks for it: three.js (vendored, ~2 MB) is
// imported on the first click. Sizes, fit and quotes never depend on it: the server measures the STL.
"use strict";

const VENDOR = "/static/vendor/three@0.187.0";

async function preview(button) {
  const box = document.getElementById(`preview-${button.dataset.preview}`);
  box.hidden = false;
  box.textContent = "loading the 3D preview…";
  let THREE, STLLoader, OrbitControls;
  try {
    THREE = await import(`${VENDOR}/three.module.js`);
    ({ STLLoader } = await import(`${VENDOR}/addons/STLLoader.js`));
    ({ OrbitControls } = await import(`${VENDOR}/addons/OrbitControls.js`));
  } catch (err) {
    box.textContent = `The 3D preview could not be loaded (${err.message}); the measurements above come from the server.`;
    return;
  }
  const response = await fetch(`/customer/designs/${button.dataset.preview}/stl`, { credentials: "same-origin" });
  if (!response.ok) {
    box.textContent = `The design could not be fetched (${response.status}).`;
    return;
  }
  const geometry = new STLLoader().parse(await response.arrayBuffer());
  geometry.computeVertexNormals();
  geometry.center();
  geometry.computeBoundingSphere();
  const radius = geometry.boundingSphere.radius || 1;

  const canvas = document.createElement("canvas");
  canvas.className = "preview-canvas";
  canvas.width = 640;
  canvas.height = 400;
  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  } catch (err) {
    box.textContent = "This browser offers no WebGL, so no 3D preview; the measurements above come from the server.";
    return;
  }
  box.textContent = "";
  box.appendChild(canvas);
  renderer.setPixelRatio(window.devicePixelRatio || 1);
  renderer.setSize(640, 400, false);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf6f7f9);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8a93a6, 1.6));
  const light = new THREE.DirectionalLight(0xffffff, 2.2);
  light.position.set(1, 1.5, 2);
  scene.add(light);
  const mesh = new THREE.Mesh(geometry, new THREE.MeshStandardMaterial({ color: 0x2456c9, roughness: 0.55, metalness: 0.1 }));
  mesh.rotation.x = -Math.PI / 2; // STL's z is up
  scene.add(mesh);
  const camera = new THREE.PerspectiveCamera(40, 640 / 400, radius / 100, radius * 100);
  camera.position.set(radius * 1.8, radius * 1.4, radius * 2.2);
  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = true;
  const draw = () => {
    controls.update();
    renderer.render(scene, camera);
    requestAnimationFrame(draw);
  };
  draw();
  box.dataset.rendered = "true";
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-preview]");
  if (button) preview(button);
});
