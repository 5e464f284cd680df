module.exports = { apps: [{ name: 'ff-probe', script: 'main.js', cwd: __dirname, time: true }] };
